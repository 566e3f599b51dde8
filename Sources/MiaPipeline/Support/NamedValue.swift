/// An enum whose values are typed by name (`--captions soft`, `caption-style: karaoke`): parsed without
/// regard to case, and refused in one line naming the values that exist.
public protocol NamedValue: RawRepresentable, CaseIterable where RawValue == String {
    /// What the value is called in messages ("captions mode").
    static var optionName: String { get }
}

extension NamedValue {
    /// The accepted values, for help and messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// - Throws: `MiaError` naming the accepted values.
    public init(parsing text: String) throws {
        guard let value = Self(rawValue: text.lowercased()) else {
            throw MiaError("unknown \(Self.optionName) \"\(text)\" (use \(Self.names))")
        }
        self = value
    }
}
