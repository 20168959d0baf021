import HosoCore
import Hummingbird
import Logging

/// What a page needs of any request's context: its language and, when someone is signed in, the
/// session (for the frame: who, the CSRF token).
protocol PageContext: RequestContext {
    var language: Language { get }
    var session: ActiveSession? { get }
}

extension AppRequestContext: PageContext {}

/// The context of every protected route (Hummingbird's child-context pattern): it exists only
/// when a session was found, so a protected handler gets a non-optional actor at compile time and
/// cannot forget to ask for one. Without a session its creation throws `auth.required` (or
/// `auth.expired`), which the error middleware answers before any handler runs.
struct SignedInContext: ChildRequestContext, PageContext {
    typealias ParentContext = AppRequestContext
    var coreContext: CoreRequestContextStorage
    let signedIn: ActiveSession
    let language: Language
    let clientAddress: String

    var actor: Actor { signedIn.actor }
    var session: ActiveSession? { signedIn }

    init(context: AppRequestContext) throws {
        guard let session = context.session else {
            throw HosoError(context.sessionExpired ? "auth.expired" : "auth.required")
        }
        self.coreContext = context.coreContext
        self.signedIn = session
        self.language = context.language
        self.clientAddress = context.clientAddress
    }
}
