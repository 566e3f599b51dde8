import Foundation
import MiaFFmpeg

/// What a scene asks a provider to render.
public struct RenderRequest: Sendable, Equatable {
    public var sceneNumber: Int
    public var prompt: String
    /// The provider's model name ("sora-2", "gen4.5").
    public var model: String
    /// Whole seconds, already snapped to what the model accepts (`ProviderCatalog`).
    public var seconds: Int
    /// The plan's frame size; adapters map it to the nearest size or ratio the API takes.
    public var width: Int
    public var height: Int
    /// The user's image the clip starts from (`--animate-images`), an absolute path; nil: from text alone.
    public var startImage: String?

    public init(sceneNumber: Int, prompt: String, model: String, seconds: Int, width: Int, height: Int, startImage: String? = nil) {
        self.sceneNumber = sceneNumber
        self.prompt = prompt
        self.model = model
        self.seconds = seconds
        self.width = width
        self.height = height
        self.startImage = startImage
    }

    /// The start image as PNG bytes, cut to the `width`x`height` frame the provider renders (centred, scaled
    /// to cover it), so the model starts from exactly the picture the scene will show, whatever the file's
    /// format or size. nil without a start image.
    /// - Throws: `ProviderError.unsendableImage` when the file cannot be read as a picture any more, or is too
    ///   large to send even so.
    func startImagePNG(width: Int, height: Int, limit: Int) throws -> [UInt8]? {
        guard let startImage else { return nil }
        do {
            let png = try StillFrame.png(try StillFrame.rgba(of: startImage, at: 0, width: width, height: height, fill: true),
                                         width: width, height: height)
            guard png.count <= limit else {
                throw ProviderError.unsendableImage(message: "\(startImage) is \(png.count / 1_000_000) MB as a \(width)x\(height) PNG, "
                                                    + "over the \(limit / 1_000_000) MB the API takes")
            }
            return png
        } catch let error as MiaError {
            throw ProviderError.unsendableImage(message: error.message)
        } catch let error as FFmpegError {
            throw ProviderError.unsendableImage(message: "\(startImage): \(error)")
        }
    }
}

/// Where a provider job stands.
public enum ProviderJobState: Sendable, Equatable {
    /// Waiting (queued, or throttled behind the account's concurrency limit).
    case queued
    /// Rendering; progress 0…1 when the provider reports it.
    case running(progress: Double?)
    /// Done; the clip can be downloaded.
    case succeeded
    /// Failed for good (a safety refusal, a cancelled task) or worth a new job (`retryable`).
    case failed(ProviderFailure)
}

/// A provider's own account of a failed job.
public struct ProviderFailure: Sendable, Equatable {
    public var code: String?
    public var message: String
    /// Creating a new job could succeed (e.g. Runway's INTERNAL.BAD_OUTPUT.*); never for safety refusals.
    public var retryable: Bool

    public init(code: String?, message: String, retryable: Bool) {
        self.code = code
        self.message = message
        self.retryable = retryable
    }
}

/// Why a provider call failed, in terms the orchestrator acts on.
public enum ProviderError: Error, Sendable, Equatable {
    /// The key is not set.
    case notConnected(ProviderID)
    /// The API refused the request (HTTP 400/401/403/404/405/422): retrying will not help.
    case rejected(status: Int, message: String)
    /// The public endpoint is gone (OpenAI's Videos API since 2026-09-24): fall back, do not retry.
    case discontinued(message: String)
    /// Still rate-limited or failing (429, 5xx, network) after the retries.
    case unavailable(message: String)
    /// A response we could not understand.
    case malformedResponse(message: String)
    /// The job failed on the provider's side.
    case jobFailed(ProviderFailure)
    /// The job did not finish before the per-scene deadline.
    case deadlineExceeded(seconds: Double)
    /// The clip could not be downloaded (too large, cut short, timed out, an error status).
    case download(message: String)
    /// The scene's own image cannot be sent as a start frame (unreadable now, or too large): the same file
    /// fails the same way again.
    case unsendableImage(message: String)
    /// The download location breaks the host policy (not https and not the API's host, credentials in
    /// it): the same URL is refused on every retry, so this is final.
    case downloadRefused(message: String)

    /// A later attempt may succeed: the provider was throttled, unreachable or slow, or failed the job in a
    /// way it says is worth a new one. A failed download is always worth another try: the job is finished and
    /// recorded, so a retry only downloads again and never pays again. Refusals (4xx, safety), a provider that
    /// is not connected or gone, and answers we cannot read will fail the same way again.
    public var retryable: Bool {
        switch self {
        case .unavailable, .deadlineExceeded, .download: true
        case .jobFailed(let failure): failure.retryable
        case .notConnected, .rejected, .discontinued, .malformedResponse, .downloadRefused, .unsendableImage: false
        }
    }

    /// One line for logs and the summary. Never contains a key.
    public var message: String {
        switch self {
        case .notConnected(let provider): "\(provider.displayName) is not connected"
        case .rejected(let status, let message): "rejected (HTTP \(status)): \(message)"
        case .discontinued(let message): "the API is gone: \(message)"
        case .unavailable(let message): "unavailable after retries: \(message)"
        case .malformedResponse(let message): "malformed response: \(message)"
        case .jobFailed(let failure): "the job failed" + (failure.code.map { " (\($0))" } ?? "") + ": \(failure.message)"
        case .deadlineExceeded(let seconds): String(format: "no result within %.0f s", seconds)
        case .download(let message): "download failed: \(message)"
        case .downloadRefused(let message): "download refused: \(message)"
        case .unsendableImage(let message): "the start image cannot be sent: \(message)"
        }
    }
}

/// A text-to-video service. One adapter per provider; the orchestrator drives create → poll → download.
///
/// Contract the orchestrator relies on:
/// - `create` is called once per scene job; its id is recorded in the job store before any polling,
///   so a rerun after a crash polls the same job instead of paying for a second one. `create` retries
///   only answers that prove no job was made (429, 5xx before a job id exists, connection refused).
/// - `status` and `download` may be called any number of times for the same job id.
/// - Errors are `ProviderError`; messages never include the API key.
public protocol VideoProvider: Sendable {
    var id: ProviderID { get }
    /// Starts a render and returns the provider's job id.
    func create(_ request: RenderRequest) async throws -> String
    /// The job's current state (one request; the orchestrator paces polling with `pollInterval`).
    func status(of jobID: String) async throws -> ProviderJobState
    /// Streams the finished clip to `destination` (a temporary path; the caller renames it).
    func download(jobID: String, to destination: String) async throws
    /// How long to wait before polling again, after `attempt` polls (backing off).
    func pollInterval(after attempt: Int) -> Duration
}
