/// Which scene a render-farm task renders: `--scene` (1-based), else the scheduler's array index.
/// Slurm's SLURM_ARRAY_TASK_ID is used as the scene number itself (submit `--array=1-N`); Kubernetes'
/// JOB_COMPLETION_INDEX and AWS Batch's AWS_BATCH_JOB_ARRAY_INDEX count from 0, so index 0 is scene 1.
public enum SceneIndexResolution {
    /// - Throws: `MiaError` when no index is given or it is outside the plan.
    public static func resolve(explicit: Int?, environment: [String: String], sceneCount: Int) throws -> Int {
        // A variable set but empty counts as not set (job templates often export every variable).
        func index(_ name: String) throws -> Int? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            guard let value = Int(text) else { throw MiaError("\(name) is \"\(text)\", not a whole number") }
            return value
        }
        let number: Int
        if let explicit {
            number = explicit
        } else if let slurm = try index("SLURM_ARRAY_TASK_ID") {
            number = slurm
        } else if let index = try index("JOB_COMPLETION_INDEX") ?? index("AWS_BATCH_JOB_ARRAY_INDEX") {
            number = index + 1
        } else {
            throw MiaError("which scene? give --scene N, or run as a Slurm, Kubernetes or AWS Batch array task")
        }
        guard (1...max(1, sceneCount)).contains(number) else {
            throw MiaError("scene \(number) is not in the plan (it has scenes 1 to \(sceneCount))")
        }
        return number
    }
}
