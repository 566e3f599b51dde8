/// An error a user reads: one line that names the file and what is wrong with it.
public struct MiaError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (or "clip 2 (file)") the problem is about, when there is one.
    public let subject: String?
    public let problem: String
    /// Running the same work again later may succeed (a provider throttled or unreachable, a timeout, a busy
    /// job store): render farms retry such tasks (`render-scene` exits 75 for them).
    public let retryable: Bool

    public init(_ problem: String, retryable: Bool = false) {
        self.subject = nil
        self.problem = problem
        self.retryable = retryable
    }

    /// An error about one file: "`subject`: `problem`".
    public init(file subject: String, _ problem: String, retryable: Bool = false) {
        self.subject = subject
        self.problem = problem
        self.retryable = retryable
    }

    public var message: String { subject.map { "\($0): \(problem)" } ?? problem }
    public var description: String { message }

    /// The same problem, said about a different subject (e.g. "clip 3 (b.mp4)" instead of "b.mp4").
    func about(_ newSubject: String) -> MiaError { MiaError(file: newSubject, problem, retryable: retryable) }
}
