import Foundation

/// Text from users and files made safe to print: control characters (ESC, CR, BEL, the C1 range, …)
/// become visible escapes, so a title or a file name can never move the cursor, retitle the window,
/// overwrite a line or hide what follows. Every place the CLI prints such text goes through `escaped`.
public enum TerminalText {
    /// C0 controls, DEL and C1 controls (U+0080–U+009F, which some terminals read as ESC sequences).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// `text` with every control character written as `\x1B`; newlines and tabs are kept unless
    /// `keepNewlines` is false, since multi-line output (tables, several problems) is made of them.
    public static func escaped(_ text: String, keepNewlines: Bool = true) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isControl(scalar), !(keepNewlines && (scalar == "\n" || scalar == "\t")) {
                result.append(contentsOf: String(format: "\\x%02X", scalar.value).unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }
}
