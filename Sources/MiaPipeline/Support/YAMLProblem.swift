import Yams

/// Where a YAML or JSON file (a manifest, a voices file) stops making sense, in one line.
enum YAMLProblem {
    /// The line (1-based) and the reason.
    static func describe(_ error: YamlError) -> (line: Int?, reason: String) {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return (mark.line, [problem, context.map { "(\($0.text))" }].compactMap { $0 }.joined(separator: " "))
        case .duplicatedKeysInMapping(let duplicates, let context):
            return (context.mark.line, "the key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", ")) appears twice")
        case .reader(let problem, _, _, _):
            return (nil, problem)
        default:
            return (nil, "\(error)")
        }
    }
}
