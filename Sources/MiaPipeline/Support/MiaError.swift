/// An error a user reads: one line that names the file and what is wrong with it.
public struct MiaError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file (or "clip 2 (file)") the problem is about, when there is one.
    public let subject: String?
    public let problem: String

    public init(_ problem: String) {
        self.subject = nil
        self.problem = problem
    }

    /// An error about one file: "`subject`: `problem`".
    public init(file subject: String, _ problem: String) {
        self.subject = subject
        self.problem = problem
    }

    public var message: String { subject.map { "\($0): \(problem)" } ?? problem }
    public var description: String { message }

    /// The same problem, said about a different subject (e.g. "clip 3 (b.mp4)" instead of "b.mp4").
    func about(_ newSubject: String) -> MiaError { MiaError(file: newSubject, problem) }
}
