import Foundation

/// JUnit XML for CI systems (GitLab, Jenkins, GitHub test reporters): one test case per file.
public enum JUnitReport {
    public static func xml(_ reports: [VerifyReport], suite: String = "mia-stitch verify") -> String {
        let failures = reports.filter { !$0.passed }.count
        let total = reports.reduce(0) { $0 + $1.elapsed }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites tests=\"\(reports.count)\" failures=\"\(failures)\" time=\"\(seconds(total))\">\n"
        xml += "  <testsuite name=\"\(escape(suite))\" tests=\"\(reports.count)\" failures=\"\(failures)\" errors=\"0\" time=\"\(seconds(total))\">\n"
        for report in reports {
            xml += "    <testcase classname=\"verify\" name=\"\(escape(report.file))\" time=\"\(seconds(report.elapsed))\""
            if report.passed {
                xml += "/>\n"
            } else {
                xml += ">\n      <failure message=\"\(escape(report.problems[0]))\">"
                xml += escape(report.problems.joined(separator: "\n")) + "</failure>\n    </testcase>\n"
            }
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }

    private static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            // XML 1.0 forbids most control characters even when escaped.
            case _ where scalar.value < 0x20 && scalar != "\n" && scalar != "\t": out += "?"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
