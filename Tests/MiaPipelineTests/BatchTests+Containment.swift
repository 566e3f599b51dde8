import Foundation
import Testing
@testable import MiaPipeline

/// A manifest may be hostile: its scripts and outputs stay under its folder (or its `root:`), scripts are
/// text files, and no path carries control characters.
extension BatchTests {
    /// A manifest in `scratch/job/` and a readable text file outside it, in `scratch/elsewhere/`.
    func layout(_ scratch: Scratch) throws -> (folder: String, outside: String) {
        for folder in ["job", "elsewhere"] {
            try FileManager.default.createDirectory(atPath: scratch.path(folder), withIntermediateDirectories: true)
        }
        try BatchTests.script("inside").write(toFile: scratch.path("job/in.txt"), atomically: true, encoding: .utf8)
        try "SECRET LINE\n".write(toFile: scratch.path("elsewhere/secret.txt"), atomically: true, encoding: .utf8)
        return (scratch.path("job"), scratch.path("elsewhere/secret.txt"))
    }

    func manifestProblems(_ text: String, at manifest: String, allowOutside: Bool = false) -> [String] {
        do {
            _ = try BatchManifest.parse(text, path: manifest, allowOutside: allowOutside)
            return []
        } catch let error as BatchManifestError {
            return error.problems.map(\.message)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func aScriptOutsideTheManifestsFolderIsRefusedAndNothingRuns() throws {
        let scratch = Scratch()
        let (folder, outside) = try layout(scratch)
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.txt", withDestinationPath: outside)
        let manifest = folder + "/batch.yaml"
        try """
        defaults: {provider: template, size: 320x180}
        jobs:
          - script: \(outside)
            output: a.mp4
          - script: link.txt
            output: b.mp4
          - script: ../elsewhere/secret.txt
            output: c.mp4
          - script: in.txt
            output: d.mp4
        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let database = scratch.path("jobs.sqlite")
        let result = try run(Repo.cli, ["batch", manifest], environment: BatchTests.cleanEnvironment.merging(["MIA_DB": database]) { $1 })
        #expect(result.status == 65)
        let rule = "is outside the manifest's folder \(folder) (set root: in the manifest, or use --allow-outside)"
        #expect(result.stderr == """
            mia-stitch: error: \(manifest):3: job 1, script: \(outside) \(rule)
            mia-stitch: error: \(manifest):5: job 2, script: \(folder)/link.txt leads to \(outside), which \(rule)
            mia-stitch: error: \(manifest):7: job 3, script: \(outside) \(rule)

            """)
        #expect(!result.stderr.contains("SECRET") && !result.stdout.contains("SECRET"))
        #expect(!FileManager.default.fileExists(atPath: database))
        #expect(!FileManager.default.fileExists(atPath: folder + "/d.mp4"))

        // The caller may lift the rule; `submit` refuses the same manifest the same way.
        #expect(manifestProblems(try String(contentsOfFile: manifest, encoding: .utf8), at: manifest, allowOutside: true) == [])
        let submitted = try run(Repo.cli, ["submit", manifest, "--db", database], environment: BatchTests.cleanEnvironment)
        #expect(submitted.status == 65 && submitted.stderr.components(separatedBy: "\n").count == 4, "\(submitted.stderr)")
        #expect(!FileManager.default.fileExists(atPath: database))
    }

    @Test func rootWidensTheFolderAndOutputsAreHeldToIt() throws {
        let scratch = Scratch()
        let (folder, outside) = try layout(scratch)
        let manifest = folder + "/batch.yaml"
        let jobs = """
        jobs:
          - script: ../elsewhere/secret.txt
            output: ../elsewhere/a.mp4
          - script: in.txt
            output: /\(scratch.url.lastPathComponent)-x/b.mp4
        """
        let refused = manifestProblems(jobs, at: manifest)
        #expect(refused.count == 3, "\(refused)")
        #expect(refused.last == "\(manifest):5: job 2, output: /\(scratch.url.lastPathComponent)-x/b.mp4 is outside the manifest's folder "
                + "\(folder) (set root: in the manifest, or use --allow-outside)")
        // root: .. takes in elsewhere/, not the folder above the scratch folder.
        let widened = manifestProblems("root: ..\n" + jobs, at: manifest)
        #expect(widened == ["\(manifest):6: job 2, output: /\(scratch.url.lastPathComponent)-x/b.mp4 is outside the manifest's root "
                            + "\(scratch.url.path) (set root: in the manifest, or use --allow-outside)"], "\(widened)")
        #expect(manifestProblems("root: nowhere\njobs:\n  - {script: in.txt, output: a.mp4}\n", at: manifest)
                == ["\(manifest):1: root: \(folder)/nowhere is not an existing folder"])
        _ = outside
    }

    @Test func aScriptMustBeARegularTextFile() throws {
        let scratch = Scratch()
        let (folder, _) = try layout(scratch)
        #expect(mkfifo(folder + "/fifo.txt", 0o600) == 0)
        try Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x00, 0x00]).write(to: URL(fileURLWithPath: folder + "/binary.txt"))
        try FileManager.default.createDirectory(atPath: folder + "/dir.txt", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder + "/null.txt", withDestinationPath: "/dev/null")
        let manifest = folder + "/m.yaml"
        let found = manifestProblems("""
            root: /
            jobs:
              - {script: fifo.txt, output: a.mp4}
              - {script: binary.txt, output: b.mp4}
              - {script: dir.txt, output: c.mp4}
              - {script: null.txt, output: d.mp4}
            """, at: manifest)
        #expect(found == [
            "\(manifest):3: job 1, script: \(folder)/fifo.txt is not a regular file (a FIFO)",
            "\(manifest):4: job 2, script: \(folder)/binary.txt is not a text file (it contains binary data)",
            "\(manifest):5: job 3, script: \(folder)/dir.txt is a directory, not a script",
            "\(manifest):6: job 4, script: \(folder)/null.txt is not a regular file (a character device)",
        ], "\(found)")
    }

    @Test func controlCharactersInAPathAreRefusedNamingTheField() throws {
        let scratch = Scratch()
        let (folder, _) = try layout(scratch)
        let manifest = folder + "/m.json"
        let found = manifestProblems(#"{"jobs": [{"script": "in.txt", "output": "o\u0000.mp4"}, {"script": "in\u001b[2J.txt", "output": "p.mp4"}]}"#,
                             at: manifest)
        #expect(found == ["\(manifest):1: job 1, output: the path contains a NUL byte",
                          "\(manifest):1: job 2, script: the path contains the control character U+001B"], "\(found)")
    }

    @Test func tenThousandBadJobsPrintTwentyProblemsAndACount() throws {
        let scratch = Scratch()
        let manifest = scratch.path("m.yaml")
        let jobs = (1...10_000).map { "  - {script: missing\($0).txt, output: o\($0).mp4}" }
        try ("jobs:\n" + jobs.joined(separator: "\n") + "\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        let result = try run(Repo.cli, ["batch", manifest], environment: BatchTests.cleanEnvironment.merging(["MIA_DB": scratch.path("j.sqlite")]) { $1 })
        #expect(result.status == 65)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 21, "\(lines.count)")
        #expect(lines.first?.hasSuffix(":2: job 1, script: \(scratch.url.path)/missing1.txt not found") == true)
        #expect(lines.last == "mia-stitch: error: … and 9,980 more problems")
    }
}
