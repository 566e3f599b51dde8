import Foundation

/// What Mia says as a batch runs: one line per job, and the table at the end.
extension MiaMessages {
    /// The line printed as each batch job ends.
    public static func batchJobFinished(_ result: BatchJobResult, of total: Int) -> String {
        let head = "[\(result.job)/\(total)] \(result.output): "
        switch result.status {
        case .rendered:
            let reused = result.scenes - result.scenesRendered
            return head + String(format: "rendered, %.1f s from %@%@, %@ spent, in %.1f s.", result.duration ?? 0,
                                 count(result.scenes, "scene"), reused > 0 ? " (\(reused) reused)" : "", dollars(result.cost), result.elapsed)
        case .reused:
            return head + "already rendered and verified; left as it is."
        case .failed, .running:
            return head + "FAILED: \(result.error ?? "unknown error")"
        }
    }

    /// The table printed at the end of a batch.
    public static func batchSummary(_ report: BatchReport) -> String {
        let widths = [5, 10, 8, 5, 9, 8, 9]
        func row(_ values: [String]) -> String {
            values.enumerated().map { index, value in
                index < widths.count ? pad(value, max(widths[index], value.count + 1)) : value
            }.joined()
        }
        var lines = [row(["job", "status", "scenes", "new", "length", "cost", "time", "output"])]
        for job in report.jobs {
            lines.append(row(["\(job.job)", job.status.rawValue, "\(job.scenes)", "\(job.scenesRendered)",
                              job.duration.map { String(format: "%.1f s", $0) } ?? "-", dollars(job.cost),
                              String(format: "%.1f s", job.elapsed), job.output]))
        }
        var total = "\(count(report.jobs.count, "job")): \(report.rendered) rendered, \(report.reused) already done, \(report.failed) failed; "
            + "\(dollars(report.cost)) spent, in \(String(format: "%.1f", report.elapsed)) s."
        if report.failed > 0 { total += " Fix the failed jobs and run the same command again: finished jobs are not redone." }
        lines.append(total)
        return lines.joined(separator: "\n")
    }
}
