import MiaFFmpeg

/// An error a user reads: one line that names what it is about and what is wrong with it. It keeps
/// the error that caused it (an `FFmpegError`, a decoding error, a database error) for whoever
/// needs more than the line.
public struct MiaError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What a problem is about, structured so callers can tell (a clip, the output, the job store)
    /// without reading the message.
    public enum Subject: Sendable, Equatable, CustomStringConvertible {
        /// A file given by the user (a script, a manifest, a plan, a media file).
        case file(String)
        /// Clip `number` (1-based) of a stitch.
        case clip(number: Int, path: String)
        /// The file being written (its final name, never the temporary one).
        case output(String)
        /// Scene `number` of a plan.
        case scene(Int)
        /// The job store, by the location it was opened with (never a password).
        case jobStore(String)
        /// A video or voice provider.
        case provider(String)

        public var description: String {
            switch self {
            case .file(let path), .output(let path), .jobStore(let path), .provider(let path): return path
            case let .clip(number, path): return "clip \(number) (\(path))"
            case .scene(let number): return "scene \(number)"
            }
        }
    }

    /// What the problem is about, when there is one thing.
    public let about: Subject?
    public let problem: String
    /// Running the same work again later may succeed (a provider throttled or unreachable, a timeout, a busy
    /// job store): render farms retry such tasks (`render-scene` exits 75 for them).
    public let retryable: Bool
    /// The error underneath, when this one explains another.
    public let cause: (any Error & Sendable)?

    public init(_ problem: String, retryable: Bool = false, cause: (any Error & Sendable)? = nil) {
        self.about = nil
        self.problem = problem
        self.retryable = retryable
        self.cause = cause
    }

    /// An error about one thing: "`subject`: `problem`".
    public init(_ subject: Subject, _ problem: String, retryable: Bool = false, cause: (any Error & Sendable)? = nil) {
        self.about = subject
        self.problem = problem
        self.retryable = retryable
        self.cause = cause
    }

    /// An error about one file: "`subject`: `problem`".
    public init(file subject: String, _ problem: String, retryable: Bool = false, cause: (any Error & Sendable)? = nil) {
        self.init(.file(subject), problem, retryable: retryable, cause: cause)
    }

    /// A failed FFmpeg call while `doing` something to `subject`: "clip 2 (b.mp4): cannot read its
    /// audio: avcodec_send_packet failed: Invalid data found when processing input".
    init(_ subject: Subject, _ doing: String, ffmpeg error: FFmpegError) {
        self.init(subject, "\(doing): \(error.summary)", cause: error)
    }

    /// The job store failed, not the work: a worker gives such work back rather than failing it.
    public var isAboutJobStore: Bool {
        if case .jobStore = about { return true }
        return false
    }

    /// The subject as messages print it ("clip 2 (b.mp4)", a path, "scene 3").
    public var subject: String? { about?.description }
    public var message: String { subject.map { "\($0): \(problem)" } ?? problem }
    public var description: String { message }

    /// The same problem, said about a different subject (e.g. clip 3 instead of the bare file).
    func about(_ newSubject: Subject) -> MiaError {
        MiaError(newSubject, problem, retryable: retryable, cause: cause)
    }

    /// Equal when a user would read the same thing: the subject, the problem and whether to retry.
    public static func == (lhs: MiaError, rhs: MiaError) -> Bool {
        lhs.subject == rhs.subject && lhs.problem == rhs.problem && lhs.retryable == rhs.retryable
    }
}
