import HosoCore

/// Draws an `OfficialDocument` in the layout of NĐ 30/2020: the two-column header (issuing body
/// and number left; national name, motto, place and date right), the title, the body (justified
/// paragraphs, tables that wrap their cells and carry on over pages with their header repeated),
/// the signature blocks and "Nơi nhận". Every measure comes from the `PDFLayout`.
public struct OfficialDocumentRenderer: Sendable {
    public let layout: PDFLayout

    public init(layout: PDFLayout) {
        self.layout = layout
    }

    /// The PDF's bytes; `progress` is called with the share of the blocks drawn so far.
    public func render(_ document: OfficialDocument, progress: (Double) -> Void = { _ in }) throws -> [UInt8] {
        let canvas = try PDFCanvas(layout: layout, title: document.metadataTitle)
        try canvas.newPage()
        try header(document, canvas)
        try title(document, canvas)
        for (index, block) in document.blocks.enumerated() {
            switch block {
            case .heading(let text):
                try paragraph(text, canvas, face: .bold, size: layout.body.headingSize, indent: 0, justify: false, keepWithNext: true)
            case .paragraph(let text):
                try paragraph(text, canvas, face: .regular, size: layout.body.size, indent: layout.body.firstLineIndentMM * PDFCanvas.pointsPerMM,
                              justify: true)
            case .line(let text):
                try paragraph(text, canvas, face: .regular, size: layout.body.size, indent: 0, justify: false)
            case .table(let table):
                try self.table(table, canvas)
            }
            progress(Double(index + 1) / Double(max(document.blocks.count, 1)))
        }
        try closing(document, canvas)
        return try canvas.bytes()
    }

    // MARK: - Lines of text

    /// Breaks `text` into lines no wider than `width` (words kept whole unless one alone is too wide).
    static func wrap(_ text: String, width: Double, firstLineIndent: Double = 0, measure: (String) -> Double) -> [[String]] {
        var lines: [[String]] = []
        // Any line end (a browser's textarea sends CR LF, which Swift counts as one character).
        for paragraph in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            var line: [String] = [], lineWidth = 0.0
            let space = measure(" ")
            func available() -> Double { width - (lines.isEmpty && firstLineIndent > 0 ? firstLineIndent : 0) }
            for rawWord in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
                var word = String(rawWord)
                var wordWidth = measure(word)
                // A word wider than a whole line (a long code, a link) is cut where it must be.
                while wordWidth > available() {
                    if !line.isEmpty { lines.append(line); line = []; lineWidth = 0 }
                    var head = ""
                    for character in word {
                        if measure(head + String(character)) > available(), !head.isEmpty { break }
                        head.append(character)
                    }
                    lines.append([head])
                    word = String(word.dropFirst(head.count))
                    wordWidth = measure(word)
                    if word.isEmpty { break }
                }
                if word.isEmpty { continue }
                let needed = line.isEmpty ? wordWidth : lineWidth + space + wordWidth
                if needed > available(), !line.isEmpty {
                    lines.append(line)
                    line = [word]
                    lineWidth = wordWidth
                } else {
                    line.append(word)
                    lineWidth = needed
                }
            }
            lines.append(line)
        }
        return lines
    }

    enum Alignment { case left, center, right, justify }

    /// Draws one wrapped line in a box `[x, x + width]`.
    func drawLine(_ words: [String], _ canvas: PDFCanvas, x: Double, width: Double, lineTop: Double, face: PDFCanvas.Face,
                  size: Double, lineHeight: Double, alignment: Alignment) {
        let text = words.joined(separator: " ")
        switch alignment {
        case .left:
            canvas.draw(text, x: x, lineTop: lineTop, face: face, size: size, lineHeight: lineHeight)
        case .center:
            canvas.draw(text, x: x + (width - canvas.textWidth(text, face, size)) / 2, lineTop: lineTop, face: face, size: size, lineHeight: lineHeight)
        case .right:
            canvas.draw(text, x: x + width - canvas.textWidth(text, face, size), lineTop: lineTop, face: face, size: size, lineHeight: lineHeight)
        case .justify:
            guard words.count > 1 else { return drawLine(words, canvas, x: x, width: width, lineTop: lineTop, face: face, size: size,
                                                         lineHeight: lineHeight, alignment: .left) }
            let widths = words.map { canvas.textWidth($0, face, size) }
            let gap = (width - widths.reduce(0, +)) / Double(words.count - 1)
            var cursor = x
            for (word, wordWidth) in zip(words, widths) {
                canvas.draw(word, x: cursor, lineTop: lineTop, face: face, size: size, lineHeight: lineHeight)
                cursor += wordWidth + gap
            }
        }
    }

    /// A paragraph across as many lines and pages as it needs.
    func paragraph(_ text: String, _ canvas: PDFCanvas, face: PDFCanvas.Face, size: Double, indent: Double, justify: Bool,
                   keepWithNext: Bool = false) throws {
        let lineHeight = size * layout.body.lineHeight
        let lines = Self.wrap(text, width: canvas.contentWidth, firstLineIndent: indent) { canvas.textWidth($0, face, size) }
        // A heading never stays alone at the foot of a page.
        try canvas.ensure(lineHeight * Double(keepWithNext ? lines.count + 2 : 1))
        for (index, words) in lines.enumerated() {
            try canvas.ensure(lineHeight)
            let shift = index == 0 ? indent : 0
            let last = index == lines.count - 1
            drawLine(words, canvas, x: canvas.left + shift, width: canvas.contentWidth - shift, lineTop: canvas.y, face: face, size: size,
                     lineHeight: lineHeight, alignment: justify && !last ? .justify : .left)
            canvas.y += lineHeight
        }
        canvas.y += layout.body.paragraphAfterPT
    }

    // MARK: - Header and title

    /// The size at which `text` fits in `width`, at most `size`.
    func fitting(_ text: String, _ canvas: PDFCanvas, _ face: PDFCanvas.Face, _ size: Double, _ width: Double) -> Double {
        let natural = canvas.textWidth(text, face, size)
        return natural <= width ? size : size * width / natural
    }

    func header(_ document: OfficialDocument, _ canvas: PDFCanvas) throws {
        let h = layout.header
        let leftWidth = h.leftWidthMM * PDFCanvas.pointsPerMM
        let rightX = canvas.left + leftWidth, rightWidth = canvas.contentWidth - leftWidth
        let line = layout.body.lineHeight
        let top = canvas.y

        // Left: the governing body, the issuer in bold under it, a short rule.
        var leftY = top
        if let parent = document.issuerParent, !parent.isEmpty {
            for words in Self.wrap(parent.uppercased(), width: leftWidth, measure: { canvas.textWidth($0, .regular, h.issuerSize) }) {
                drawLine(words, canvas, x: canvas.left, width: leftWidth, lineTop: leftY, face: .regular, size: h.issuerSize,
                         lineHeight: h.issuerSize * line, alignment: .center)
                leftY += h.issuerSize * line
            }
        }
        var issuerWidth = 0.0
        for words in Self.wrap(document.issuer.uppercased(), width: leftWidth, measure: { canvas.textWidth($0, .bold, h.issuerSize) }) {
            issuerWidth = max(issuerWidth, canvas.textWidth(words.joined(separator: " "), .bold, h.issuerSize))
            drawLine(words, canvas, x: canvas.left, width: leftWidth, lineTop: leftY, face: .bold, size: h.issuerSize,
                     lineHeight: h.issuerSize * line, alignment: .center)
            leftY += h.issuerSize * line
        }
        let ruleWidth = issuerWidth * h.issuerRuleRatio
        canvas.rule(from: canvas.left + (leftWidth - ruleWidth) / 2, to: canvas.left + (leftWidth + ruleWidth) / 2, at: leftY + 1)

        // Right: the national name, the motto underlined by its own length.
        var rightY = top
        let nationalSize = fitting(h.nationalName, canvas, .bold, h.nationalNameSize, rightWidth)
        drawLine([h.nationalName], canvas, x: rightX, width: rightWidth, lineTop: rightY, face: .bold, size: nationalSize,
                 lineHeight: nationalSize * line, alignment: .center)
        rightY += nationalSize * line
        let mottoSize = fitting(h.motto, canvas, .bold, h.mottoSize, rightWidth)
        drawLine([h.motto], canvas, x: rightX, width: rightWidth, lineTop: rightY, face: .bold, size: mottoSize,
                 lineHeight: mottoSize * line, alignment: .center)
        rightY += mottoSize * line
        let mottoWidth = canvas.textWidth(h.motto, .bold, mottoSize)
        canvas.rule(from: rightX + (rightWidth - mottoWidth) / 2, to: rightX + (rightWidth + mottoWidth) / 2, at: rightY + 1)

        // Then the number (left) and the place and date (right) on one line.
        let rowTop = max(leftY, rightY) + 8
        drawLine([document.number], canvas, x: canvas.left, width: leftWidth, lineTop: rowTop, face: .regular, size: h.numberSize,
                 lineHeight: h.placeDateSize * line, alignment: .center)
        let placeSize = fitting(document.placeAndDate, canvas, .italic, h.placeDateSize, rightWidth)
        drawLine([document.placeAndDate], canvas, x: rightX, width: rightWidth, lineTop: rowTop, face: .italic, size: placeSize,
                 lineHeight: h.placeDateSize * line, alignment: .center)
        canvas.y = rowTop + h.placeDateSize * line
    }

    func title(_ document: OfficialDocument, _ canvas: PDFCanvas) throws {
        let t = layout.title
        canvas.y += t.spaceBeforePT
        let line = layout.body.lineHeight
        for words in Self.wrap(document.title.uppercased(), width: canvas.contentWidth, measure: { canvas.textWidth($0, .bold, t.size) }) {
            drawLine(words, canvas, x: canvas.left, width: canvas.contentWidth, lineTop: canvas.y, face: .bold, size: t.size,
                     lineHeight: t.size * line, alignment: .center)
            canvas.y += t.size * line
        }
        if let subtitle = document.subtitle, !subtitle.isEmpty {
            let width = canvas.contentWidth * 0.85, x = canvas.left + canvas.contentWidth * 0.075
            for words in Self.wrap(subtitle, width: width, measure: { canvas.textWidth($0, .bold, t.subtitleSize) }) {
                drawLine(words, canvas, x: x, width: width, lineTop: canvas.y, face: .bold, size: t.subtitleSize,
                         lineHeight: t.subtitleSize * line, alignment: .center)
                canvas.y += t.subtitleSize * line
            }
        }
        canvas.y += t.spaceAfterPT
    }

    // MARK: - Tables

    func table(_ table: OfficialDocument.Table, _ canvas: PDFCanvas) throws {
        let t = layout.table
        let size = t.size, lineHeight = size * layout.body.lineHeight, pad = t.paddingPT
        let total = table.columns.reduce(0) { $0 + max($1.weight, 0.01) }
        let widths = table.columns.map { max($0.weight, 0.01) / total * canvas.contentWidth }
        var xs: [Double] = [canvas.left]
        for width in widths { xs.append(xs.last! + width) }

        func cellLines(_ cells: [String], _ face: PDFCanvas.Face) -> [[[String]]] {
            table.columns.indices.map { column in
                let text = column < cells.count ? cells[column] : ""
                return Self.wrap(text, width: widths[column] - 2 * pad) { canvas.textWidth($0, face, size) }
            }
        }
        func alignment(_ column: Int) -> Alignment {
            switch table.columns[column].alignment { case .left: .left; case .center: .center; case .right: .right }
        }
        let headerLines = cellLines(table.columns.map(\.title), .bold)
        let headerHeight = Double(headerLines.map(\.count).max() ?? 1) * lineHeight + 2 * pad

        /// Draws lines `range` of each cell as one band of the table, borders included.
        func band(_ lines: [[[String]]], from start: Int, count: Int, face: PDFCanvas.Face, shaded: Bool, header: Bool) {
            let height = Double(count) * lineHeight + 2 * pad
            let top = canvas.y
            if shaded { canvas.shade(x: canvas.left, y: top, width: canvas.contentWidth, height: height, gray: t.headerShade) }
            for (column, cell) in lines.enumerated() {
                for index in start..<max(start, min(start + count, cell.count)) {
                    drawLine(cell[index], canvas, x: xs[column] + pad, width: widths[column] - 2 * pad,
                             lineTop: top + pad + Double(index - start) * lineHeight, face: face, size: size, lineHeight: lineHeight,
                             alignment: header ? .center : alignment(column))
                }
            }
            canvas.rule(from: canvas.left, to: canvas.right, at: top, width: t.ruleWidthPT)
            canvas.rule(from: canvas.left, to: canvas.right, at: top + height, width: t.ruleWidthPT)
            for x in xs { canvas.verticalRule(at: x, from: top, to: top + height, width: t.ruleWidthPT) }
            canvas.y = top + height
        }
        func startPage() throws {
            try canvas.newPage()
            band(headerLines, from: 0, count: headerLines.map(\.count).max() ?? 1, face: .bold, shaded: true, header: true)
        }

        // The header and the first row stay together (or the header and one line of a first row
        // too tall for any page).
        let firstHeight = table.rows.first.map { row -> Double in
            let count = max(cellLines(row, table.boldRows.contains(0) ? .bold : .regular).map(\.count).max() ?? 1, 1)
            return Double(count) * lineHeight + 2 * pad
        } ?? 0
        let together = headerHeight + (firstHeight <= canvas.pageBodyHeight - headerHeight ? firstHeight : lineHeight + 2 * pad)
        if canvas.page == nil || canvas.remaining < together { try canvas.newPage() }
        band(headerLines, from: 0, count: headerLines.map(\.count).max() ?? 1, face: .bold, shaded: true, header: true)
        for (index, row) in table.rows.enumerated() {
            let face: PDFCanvas.Face = table.boldRows.contains(index) ? .bold : .regular
            let lines = cellLines(row, face)
            let count = max(lines.map(\.count).max() ?? 1, 1)
            let rowHeight = Double(count) * lineHeight + 2 * pad
            // A row that fits on a fresh page moves there whole; a longer one is split across pages.
            if rowHeight > canvas.remaining, rowHeight <= canvas.pageBodyHeight - headerHeight { try startPage() }
            var start = 0
            while start < count {
                var fit = Int(((canvas.remaining - 2 * pad) / lineHeight).rounded(.down))
                // On a fresh page at least one line goes down, however tall the header: never a page without progress.
                if fit < 1 { try startPage(); fit = max(1, Int(((canvas.remaining - 2 * pad) / lineHeight).rounded(.down))) }
                let take = min(fit, count - start)
                band(lines, from: start, count: take, face: face, shaded: false, header: false)
                start += take
                if start < count { try startPage() }
            }
        }
        canvas.y += layout.body.paragraphAfterPT + 4
    }

    // MARK: - Signatures and recipients

    func signatureHeight(_ signature: OfficialDocument.Signature, width: Double, _ canvas: PDFCanvas) -> Double {
        let s = layout.signature, line = layout.body.lineHeight
        var height = Double(signature.capacity.count) * s.capacitySize * line + s.spacePT + s.nameSize * line
        if signature.hint != nil { height += s.hintSize * line }
        if let note = signature.note {
            height += Double(Self.wrap(note, width: width, measure: { canvas.textWidth($0, .italic, s.hintSize) }).count) * s.hintSize * line
        }
        return height
    }

    func drawSignature(_ signature: OfficialDocument.Signature, _ canvas: PDFCanvas, x: Double, width: Double, top: Double) {
        let s = layout.signature, line = layout.body.lineHeight
        var y = top
        for capacity in signature.capacity {
            let size = fitting(capacity.uppercased(), canvas, .bold, s.capacitySize, width)
            drawLine([capacity.uppercased()], canvas, x: x, width: width, lineTop: y, face: .bold, size: size, lineHeight: s.capacitySize * line,
                     alignment: .center)
            y += s.capacitySize * line
        }
        if let hint = signature.hint {
            drawLine([hint], canvas, x: x, width: width, lineTop: y, face: .italic, size: s.hintSize, lineHeight: s.hintSize * line, alignment: .center)
            y += s.hintSize * line
        }
        y += s.spacePT
        drawLine([signature.name], canvas, x: x, width: width, lineTop: y, face: .bold, size: fitting(signature.name, canvas, .bold, s.nameSize, width),
                 lineHeight: s.nameSize * line, alignment: .center)
        y += s.nameSize * line
        if let note = signature.note {
            for words in Self.wrap(note, width: width, measure: { canvas.textWidth($0, .italic, s.hintSize) }) {
                drawLine(words, canvas, x: x, width: width, lineTop: y, face: .italic, size: s.hintSize, lineHeight: s.hintSize * line, alignment: .center)
                y += s.hintSize * line
            }
        }
    }

    func recipientsHeight(_ document: OfficialDocument, width: Double, _ canvas: PDFCanvas) -> Double {
        let r = layout.recipients, line = layout.body.lineHeight
        let lines = document.recipients.reduce(0) { total, text in
            total + Self.wrap(text, width: width, measure: { canvas.textWidth($0, .regular, r.size) }).count
        }
        return r.labelSize * line + Double(lines) * r.size * line
    }

    func drawRecipients(_ document: OfficialDocument, _ canvas: PDFCanvas, x: Double, width: Double, top: Double) {
        let r = layout.recipients, line = layout.body.lineHeight
        var y = top
        canvas.draw(document.recipientsLabel, x: x, lineTop: y, face: .boldItalic, size: r.labelSize, lineHeight: r.labelSize * line)
        y += r.labelSize * line
        for text in document.recipients {
            for words in Self.wrap(text, width: width, measure: { canvas.textWidth($0, .regular, r.size) }) {
                canvas.draw(words.joined(separator: " "), x: x, lineTop: y, face: .regular, size: r.size, lineHeight: r.size * line)
                y += r.size * line
            }
        }
    }

    /// One signer: "Nơi nhận" left and the signature right on the same band (NĐ 30). Several
    /// signers: their blocks side by side, the recipients under them.
    func closing(_ document: OfficialDocument, _ canvas: PDFCanvas) throws {
        canvas.y += 6
        let half = canvas.contentWidth / 2
        if document.signatures.count <= 1 {
            let signature = document.signatures.first
            let height = max(signature.map { signatureHeight($0, width: half, canvas) } ?? 0,
                             document.recipients.isEmpty ? 0 : recipientsHeight(document, width: half - 10, canvas))
            try canvas.ensure(height)
            let top = canvas.y
            if let signature { drawSignature(signature, canvas, x: canvas.left + half, width: half, top: top) }
            if !document.recipients.isEmpty { drawRecipients(document, canvas, x: canvas.left, width: half - 10, top: top) }
            canvas.y = top + height
            return
        }
        let width = canvas.contentWidth / Double(document.signatures.count)
        let height = document.signatures.map { signatureHeight($0, width: width - 6, canvas) }.max() ?? 0
        try canvas.ensure(height)
        let top = canvas.y
        for (index, signature) in document.signatures.enumerated() {
            drawSignature(signature, canvas, x: canvas.left + Double(index) * width + 3, width: width - 6, top: top)
        }
        canvas.y = top + height + 12
        if !document.recipients.isEmpty {
            let recipients = recipientsHeight(document, width: half, canvas)
            try canvas.ensure(recipients)
            drawRecipients(document, canvas, x: canvas.left, width: half, top: canvas.y)
            canvas.y += recipients
        }
    }
}
