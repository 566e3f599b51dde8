import Foundation

extension Array where Element: Sendable {
    /// `map` run on all cores (Dispatch's `concurrentPerform`), results in the original order.
    /// For independent, blocking work such as opening and probing many files.
    func parallelMap<Result: Sendable>(_ transform: @Sendable (Element) -> Result) -> [Result] {
        let slots = Slots<Result>(count: count)
        withoutActuallyEscaping(transform) { transform in
            let items = self
            DispatchQueue.concurrentPerform(iterations: items.count) { index in
                slots.set(index, transform(items[index]))
            }
        }
        return slots.values
    }
}

/// Write-once result slots shared by the workers of `parallelMap`.
private final class Slots<Value: Sendable>: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var storage: [Value?]

    init(count: Int) { storage = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Value) { lock.withLock { storage[index] = value } }

    var values: [Value] { lock.withLock { storage.map { $0! } } }
}
