import CHaru
import HosoCore

/// A libharu document with the layout's four faces loaded (embedded, UTF-8) and a cursor that
/// runs down the page from the top margin. Not thread-safe: one renderer uses it, then frees it.
final class PDFCanvas {
    enum Face: CaseIterable { case regular, bold, italic, boldItalic }

    let layout: PDFLayout
    private let doc: HPDF_Doc
    private var fonts: [Face: HPDF_Font] = [:]
    private(set) var page: HPDF_Page?
    private(set) var pageCount = 0
    /// Distance from the top edge of the page to the cursor, in points.
    var y: Double = 0

    static let pointsPerMM = 72.0 / 25.4
    let width: Double, height: Double, left: Double, right: Double, top: Double, bottom: Double
    var contentWidth: Double { right - left }

    init(layout: PDFLayout, title: String) throws {
        self.layout = layout
        let mm = Self.pointsPerMM
        width = layout.page.widthMM * mm
        height = layout.page.heightMM * mm
        left = layout.page.leftMM * mm
        right = width - layout.page.rightMM * mm
        top = layout.page.topMM * mm
        bottom = height - layout.page.bottomMM * mm
        guard let doc = HPDF_New(nil, nil) else { throw HosoError("report.pdf_failed", ["step": "new"]) }
        self.doc = doc
        // `self` is whole from here: a throw below runs `deinit`, which frees the document (once).
        try setUp(layout: layout, title: title)
    }

    private func setUp(layout: PDFLayout, title: String) throws {
        try check(HPDF_UseUTFEncodings(doc), "encodings")
        try check(HPDF_SetCurrentEncoder(doc, "UTF-8"), "encoder")
        try check(HPDF_SetCompressionMode(doc, HPDF_UINT(HPDF_COMP_ALL)), "compression")
        let paths: [Face: String] = [.regular: layout.fonts.regular, .bold: layout.fonts.bold,
                                     .italic: layout.fonts.italic, .boldItalic: layout.fonts.boldItalic]
        for face in Face.allCases {
            let path = paths[face] ?? layout.fonts.regular
            guard let name = HPDF_LoadTTFontFromFile(doc, path, HPDF_TRUE), let font = HPDF_GetFont(doc, name, "UTF-8") else {
                HPDF_ResetError(doc)
                throw HosoError("report.font_missing", ["path": path])
            }
            fonts[face] = font
        }
        _ = HPDF_SetInfoAttr(doc, HPDF_INFO_CREATOR, "Hoso")
        _ = HPDF_SetInfoAttr(doc, HPDF_INFO_TITLE, title)
    }

    deinit { HPDF_Free(doc) }

    private func check(_ status: HPDF_STATUS, _ step: String) throws {
        guard status == HPDF_OK else {
            HPDF_ResetError(doc)
            throw HosoError("report.pdf_failed", ["step": step])
        }
    }

    // MARK: - Pages

    /// Starts a page; from the layout's `from_page` on, its number is centred in the top margin.
    func newPage() throws {
        guard let page = HPDF_AddPage(doc) else { throw HosoError("report.pdf_failed", ["step": "page"]) }
        HPDF_Page_SetWidth(page, HPDF_REAL(width))
        HPDF_Page_SetHeight(page, HPDF_REAL(height))
        self.page = page
        pageCount += 1
        y = top
        if pageCount >= layout.pageNumber.fromPage {
            let size = layout.pageNumber.size
            let text = String(pageCount)
            let x = (left + right) / 2 - textWidth(text, .regular, size) / 2
            draw(text, x: x, lineTop: top / 2 - size / 2, face: .regular, size: size, lineHeight: size)
        }
    }

    var remaining: Double { bottom - y }
    var pageBodyHeight: Double { bottom - top }

    /// Moves to a new page unless `height` points still fit below the cursor.
    func ensure(_ height: Double) throws {
        if page == nil || y + height > bottom + 0.01 { try newPage() }
    }

    // MARK: - Text

    func font(_ face: Face) -> HPDF_Font { fonts[face] ?? fonts[.regular]! }

    func textWidth(_ text: String, _ face: Face, _ size: Double) -> Double {
        guard !text.isEmpty else { return 0 }
        var utf8 = Array(text.utf8)
        let measured = utf8.withUnsafeMutableBufferPointer { buffer in
            HPDF_Font_TextWidth(font(face), buffer.baseAddress, HPDF_UINT(buffer.count))
        }
        return Double(measured.width) * size / 1000
    }

    /// Draws one line of text whose line box starts `lineTop` points below the top edge.
    func draw(_ text: String, x: Double, lineTop: Double, face: Face, size: Double, lineHeight: Double) {
        guard let page, !text.isEmpty else { return }
        // Liberation Serif: ascent 0.891 em, descent 0.216 em; the glyphs sit centred in the line box.
        let baseline = lineTop + (lineHeight - size * 1.107) / 2 + size * 0.891
        HPDF_Page_BeginText(page)
        HPDF_Page_SetFontAndSize(page, font(face), HPDF_REAL(size))
        HPDF_Page_TextOut(page, HPDF_REAL(x), HPDF_REAL(height - baseline), text)
        HPDF_Page_EndText(page)
    }

    // MARK: - Lines and boxes

    func rule(from x1: Double, to x2: Double, at yTop: Double, width lineWidth: Double = 0.6) {
        guard let page else { return }
        HPDF_Page_SetLineWidth(page, HPDF_REAL(lineWidth))
        HPDF_Page_MoveTo(page, HPDF_REAL(x1), HPDF_REAL(height - yTop))
        HPDF_Page_LineTo(page, HPDF_REAL(x2), HPDF_REAL(height - yTop))
        HPDF_Page_Stroke(page)
    }

    func verticalRule(at x: Double, from y1: Double, to y2: Double, width lineWidth: Double) {
        guard let page else { return }
        HPDF_Page_SetLineWidth(page, HPDF_REAL(lineWidth))
        HPDF_Page_MoveTo(page, HPDF_REAL(x), HPDF_REAL(height - y1))
        HPDF_Page_LineTo(page, HPDF_REAL(x), HPDF_REAL(height - y2))
        HPDF_Page_Stroke(page)
    }

    func shade(x: Double, y yTop: Double, width boxWidth: Double, height boxHeight: Double, gray: Double) {
        guard let page else { return }
        HPDF_Page_SetGrayFill(page, HPDF_REAL(gray))
        HPDF_Page_Rectangle(page, HPDF_REAL(x), HPDF_REAL(height - yTop - boxHeight), HPDF_REAL(boxWidth), HPDF_REAL(boxHeight))
        HPDF_Page_Fill(page)
        HPDF_Page_SetGrayFill(page, 0)
    }

    // MARK: - Output

    func bytes() throws -> [UInt8] {
        // Drawing calls do not stop on their own errors; a document that met one is not handed out.
        try check(HPDF_GetError(doc), "draw")
        try check(HPDF_SaveToStream(doc), "save")
        var size = HPDF_UINT32(HPDF_GetStreamSize(doc))
        var result = [UInt8](repeating: 0, count: Int(size))
        let status = result.withUnsafeMutableBufferPointer { HPDF_ReadFromStream(doc, $0.baseAddress, &size) }
        // The end of the stream is reported as an "error" code after a complete read.
        guard status == HPDF_OK || status == HPDF_STREAM_EOF else { throw HosoError("report.pdf_failed", ["step": "read"]) }
        return Array(result.prefix(Int(size)))
    }
}
