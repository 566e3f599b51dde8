import Foundation

/// Every sentence Mia says to a user, in one voice. Each sentence lives beside the stage it speaks
/// about, in `MiaMessages+Stage.swift` (Script: the analysis; Rendering; Batch; Review; Templates), so it
/// changes with that stage; the formatting they share is here.
public enum MiaMessages {
    // MARK: Formatting

    public static func dollars(_ value: Double) -> String { String(format: "$%.2f", value) }

    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func clip(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }
}
