import Hummingbird

/// The request context of the API.
public struct AppContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Any request body over 5 MiB is refused with 413.
    public var maxUploadSize: Int { 5 * 1024 * 1024 }
}
