/// How one scene job ended.
public struct SceneOutcome: Sendable, Equatable {
    public var sceneNumber: Int
    /// The provider that made the clip (Template after a fallback).
    public var provider: ProviderID
    public var clip: String
    public var seconds: Double
    /// Dollars committed for the scene (estimated from the price table: providers bill per second).
    public var cost: Double
    /// Why the scene fell back to Template, if it did.
    public var fallbackReason: String?
    /// The clip was already there from an earlier run, verified and reused.
    public var reused: Bool
    /// Seconds this run spent on the scene once it had a slot (not the wait for one).
    public var elapsed: Double = 0
}
