import Foundation

/// The concurrency guard: at most `perProvider` jobs in flight for each provider, and one template render
/// per core. One `RenderSlots` shared by several plans (a batch's jobs) makes them share those limits, so
/// a provider account's limit holds however many scripts render at once.
public final class RenderSlots: Sendable {
    public let perProvider: Int
    private let providers: [ProviderID: AsyncSemaphore]
    private let templates: AsyncSemaphore

    /// - Parameters:
    ///   - perProvider: provider jobs in flight at once, per provider (the studio's guard: 2).
    ///   - templateRenders: template scenes encoding at once (default: one per core).
    public init(perProvider: Int, templateRenders: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.perProvider = perProvider
        var providers: [ProviderID: AsyncSemaphore] = [:]
        for provider in ProviderID.allCases where !provider.isLocal {
            providers[provider] = AsyncSemaphore(limit: perProvider)
        }
        self.providers = providers
        templates = AsyncSemaphore(limit: templateRenders)
    }

    /// The limit a scene for `provider` waits on.
    func slots(for provider: ProviderID) -> AsyncSemaphore {
        providers[provider] ?? templates
    }
}
