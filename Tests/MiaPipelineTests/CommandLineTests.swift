import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The built `mia-stitch` binary, driven as users and CI scripts drive it.
@Suite struct CommandLineTests {
    let a = Repo.media("h264-aac-a.mp4")
    let b = Repo.media("h264-aac-b.mp4")

    @Test func stitchWritesTheOutputAndLogsEachStep() throws {
        let scratch = Scratch()
        let output = scratch.path("final.mp4")
        let result = try run(Repo.cli, ["stitch", a, b, "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == "[MIA:STITCH:START] clips=2 output=\(output) mode=copy")
        #expect(lines.filter { $0.hasPrefix("[MIA:STITCH:CLIP]") }.count == 2)
        #expect(lines.contains { $0.hasPrefix("[MIA:STITCH:CLIP] index=2 file=\(b) offset=2.000 duration=2.000") })
        #expect(lines.last?.hasPrefix("[MIA:STITCH:COMPLETE] output=\(output) duration=4.000 bytes=") == true)
        #expect(scratch.contents == ["final.mp4"])

        let verify = try run(Repo.cli, ["verify", output])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.hasPrefix("PASS \(output): 4.000 s, 120 video frames"))
    }

    @Test func clipsThatDifferAreNormalizedUnlessNeverIsGiven() throws {
        let scratch = Scratch()
        let small = Repo.media("h264-aac-160x90.mp4")
        let refused = try run(Repo.cli, ["stitch", a, small, "-o", scratch.path("never.mp4"), "--normalize", "never"])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasSuffix("mia-stitch: error: clip 2 (\(small)): video size is 160x90, clip 1 is 320x180 (and 1 more difference); stream copy needs clips with identical parameters (or use --normalize auto)\n"))
        #expect(scratch.contents.isEmpty)

        let conflicting = try run(Repo.cli, ["stitch", a, small, "-o", scratch.path("x.mp4"), "--normalize", "never", "--size", "640x360"])
        #expect(conflicting.status != 0)
        #expect(conflicting.stderr.contains("--size, --fps and --transition re-encode the clips; they cannot go with --normalize never"))

        let output = scratch.path("mixed.mp4")
        let result = try run(Repo.cli, ["stitch", a, small, "-o", output, "--fps", "29.97", "--fit", "crop"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first == "[MIA:STITCH:START] clips=2 output=\(output) mode=normalize reason=\"clip 2 (\(small)): video size is 160x90, clip 1 is 320x180\" target=\"320x180 29.970 fps, 48000 Hz, 2 channels (stereo)\"")
        #expect(lines.last?.contains("copied=0 reencoded=2") == true)
        let probed = try ffprobe(output, packets: false)
        #expect(probed.stream("video")?.frameRate == "30000/1001")
        #expect(scratch.contents == ["mixed.mp4"])
    }

    @Test func jsonLogsAreOneObjectPerLine() throws {
        let scratch = Scratch()
        let result = try run(Repo.cli, ["stitch", a, b, "-o", scratch.path("out.mkv"), "--log-format", "json"])
        #expect(result.status == 0)
        let events = try result.stderr.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(events.map { $0["tag"] as? String } == ["MIA:STITCH:START", "MIA:STITCH:CLIP", "MIA:STITCH:CLIP", "MIA:STITCH:COMPLETE"])
        #expect(events[3]["duration"] as? Double == 4.0)
    }

    @Test func badInputIsOneErrorLineNonZeroExitAndNoOutput() throws {
        let scratch = Scratch()
        let output = scratch.path("out.mp4")
        let missing = scratch.path("nope.mp4")
        let result = try run(Repo.cli, ["stitch", a, missing, "-o", output])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.last == "mia-stitch: error: clip 2 (\(missing)): file not found")
        #expect(lines.count == 2)  // the [MIA:STITCH:ERROR] event and the error line
        #expect(scratch.contents.isEmpty)

        // An existing output is refused and untouched without --overwrite.
        try Data("keep".utf8).write(to: URL(fileURLWithPath: output))
        let refused = try run(Repo.cli, ["stitch", a, "-o", output])
        #expect(refused.status == 1)
        #expect(refused.stderr.hasSuffix("mia-stitch: error: \(output): already exists (use --overwrite to replace it)\n"))
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "keep")
        let replaced = try run(Repo.cli, ["stitch", a, "-o", output, "--overwrite"])
        #expect(replaced.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)).count > 1000)
    }

    @Test func probeReportsEveryFileAndFailsIfAnyIsBad() throws {
        let result = try run(Repo.cli, ["probe", a, Repo.media("not-a-video.mp4"), "--json"])
        #expect(result.status == 1)
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(reports.count == 2)
        #expect(reports[0]["error"] == nil)
        let info = try #require(reports[0]["info"] as? [String: Any])
        #expect(info["duration"] as? Double == 2.0)
        #expect((reports[1]["error"] as? String)?.hasSuffix("not a media file FFmpeg can read (Invalid data found when processing input)") == true)
        #expect(result.stderr.contains("mia-stitch: error: \(Repo.media("not-a-video.mp4")): not a media file"))

        let text = try run(Repo.cli, ["probe", a])
        #expect(text.status == 0)
        #expect(text.stdout.contains("#0 video: h264 (High), 320x180, yuv420p, 30 fps, B-frames, time base 1/15360, 2.000 s, 60 frames"))
        #expect(text.stdout.contains("#1 audio: aac (LC), 48000 Hz, 2 channels (stereo)"))
    }

    @Test func verifyWritesJUnitAndFailsOnABadFile() throws {
        let scratch = Scratch()
        let junit = scratch.path("report.xml")
        let result = try run(Repo.cli, ["verify", a, Repo.media("truncated.mp4"), "--junit", junit])
        #expect(result.status == 1)
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains("<testsuite name=\"mia-stitch verify\" tests=\"2\" failures=\"1\""))
        #expect(xml.contains("<failure message=\"truncated: its index points to byte 45811 but the file has 20000 bytes\">"))
        #expect(result.stdout.contains("FAIL \(Repo.media("truncated.mp4"))"))

        let passing = try run(Repo.cli, ["verify", a, b, "--json"])
        #expect(passing.status == 0)
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(passing.stdout.utf8)) as? [[String: Any]])
        #expect(reports.map { $0["videoFrames"] as? Int } == [60, 60])
    }

    /// 1,000 clips: one open at a time (so a 64-descriptor limit is plenty) and memory that does
    /// not grow with the clip count beyond the output's own index.
    @Test func thousandClipsKeepDescriptorsAndMemoryFlat() throws {
        let scratch = Scratch()
        let clip = scratch.path("tiny.mp4")
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x36:rate=30:duration=1",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=1",
                    "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", clip])
        func stitch(_ count: Int) throws -> (status: Int32, peakKB: Int) {
            let output = scratch.path("out-\(count).mp4")
            // Descriptors the test runner has open (parallel tests' pipes and sockets) would count against
            // the limit too: close them first, so only mia-stitch's own are measured.
            let closeInherited = "for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ \"$fd\" -gt 2 ] && eval \"exec $fd>&-\" 2>/dev/null; done; "
            let arguments = ["-c", closeInherited + "ulimit -n 64 && exec \"$0\" \"$@\"", Repo.cli, "stitch"]
                + Array(repeating: clip, count: count) + ["-o", output, "--quiet", "--log-format", "json"]
            return try spawnMeasured("/bin/bash", arguments)
        }
        let hundred = try stitch(100)
        let thousand = try stitch(1000)
        #expect(hundred.status == 0)
        #expect(thousand.status == 0)
        #expect(thousand.peakKB < hundred.peakKB + 16 * 1024, "100 clips: \(hundred.peakKB) KB, 1000 clips: \(thousand.peakKB) KB")
        let probed = try ffprobe(scratch.path("out-1000.mp4"), packets: false)
        #expect(abs((probed.stream("video")?.seconds ?? 0) - 1000) < 0.01)
        #expect(probed.chapters?.count == 1000)
    }
}

extension CommandLineTests {
    /// Out of file descriptors is the system's problem, not the file's: the message says so. The
    /// descriptors left free are stepped from very few (the loader fails before mia-stitch runs) to
    /// enough; somewhere between, probe runs but cannot open the clip.
    @Test func runningOutOfDescriptorsIsNotCalledABadFile() throws {
        let clip = Repo.media("h264-aac-a.mp4")
        // Descriptors the test runner leaves open (sockets, databases of other tests) are closed first, so
        // "free" counts what mia-stitch really has.
        let script = "for fd in /proc/$$/fd/*; do n=${fd##*/}; [ $n -gt 2 ] && eval \"exec $n>&-\"; done; "
            + "k=$2; for i in $(seq 3 $((63 - k))); do eval \"exec $i</dev/null\"; done; ulimit -n 64; exec \"$0\" probe \"$1\""
        var told = 0
        var outputs: [String] = []
        // Three tries a level: with two or three descriptors left, libdispatch's own threads sometimes find none
        // and trap before mia-stitch's code runs (inside the runtime, out of reach of this program).
        for free in Array(2...8) + Array(2...8) + Array(2...8) {
            let result = try run("/bin/bash", ["-c", script, Repo.cli, clip, String(free)])
            #expect(!result.stderr.contains("not a media file"), "\(free) free: \(result.stderr)")
            if result.stderr == "mia-stitch: error: \(clip): cannot open it (Too many open files)\n" { told += 1 }
            outputs.append("\(free): \(result.status) \(result.stderr.prefix(300))")
        }
        #expect(told > 0, "\(outputs)")
    }

    @Test func analyzePlanAndTheJobStoreFromTheCommandLine() throws {
        let scratch = Scratch()
        let script = Repo.media("scripts/saas-launch.txt")
        let environment = ["MIA_DB": scratch.path("jobs.sqlite"), "RUNWAYML_API_SECRET": "", "OPENAI_API_KEY": ""]
        let analysis = try run(Repo.cli, ["analyze", script, "--duration", "10", "--json"], environment: environment)
        #expect(analysis.status == 0, "\(analysis.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(analysis.stdout.utf8)) as? [String: Any])
        #expect((json["scenes"] as? [Any])?.count == 5)
        #expect(analysis.stderr.contains("[MIA:ANALYZE] script=\(script) format=headings scenes=5"))
        #expect(analysis.stderr.contains("[MIA:WARN] kind=duration-long"))

        let plan = scratch.path("launch.json")
        let planned = try run(Repo.cli, ["plan", script, "-o", plan, "--size", "640x360", "--fps", "25"], environment: environment)
        #expect(planned.status == 0, "\(planned.stderr)")
        let renderPlan = try RenderPlanFile.read(plan)
        #expect(renderPlan.scenes == 5)
        let listed = try run(Repo.cli, ["plans", "--json"], environment: environment)
        #expect(listed.stdout.contains(renderPlan.id))
        let shown = try run(Repo.cli, ["plan", "show", String(renderPlan.id.prefix(10))], environment: environment)
        #expect(shown.status == 0)
        #expect(shown.stdout.contains("\(renderPlan.id): \(script), 5 scenes"))
        #expect(shown.stdout.components(separatedBy: "pending").count - 1 == 5)

        // Planning twice is refused without --overwrite, and the same plan id comes back with it.
        #expect(try run(Repo.cli, ["plan", script, "-o", plan, "--size", "640x360", "--fps", "25"], environment: environment).status == 1)
        #expect(try run(Repo.cli, ["plan", script, "-o", plan, "--size", "640x360", "--fps", "25", "--overwrite"], environment: environment).status == 0)
        #expect(try RenderPlanFile.read(plan).id == renderPlan.id)

        let empty = scratch.path("empty.txt")
        try Data().write(to: URL(fileURLWithPath: empty))
        let refused = try run(Repo.cli, ["analyze", empty], environment: environment)
        #expect(refused.status == 1)
        #expect(refused.stderr.hasSuffix("mia-stitch: error: \(empty): the script is empty; there is nothing to analyze\n"))
        let fromStdin = try run("/bin/bash", ["-c", "\"$0\" analyze - < \"$1\"", Repo.cli, script], environment: environment)
        #expect(fromStdin.status == 0)
        #expect(fromStdin.stdout.hasPrefix("Hi, I'm Mia. I read your script as 5 scenes"))
    }

    @Test func interruptRemovesThePartialOutput() throws {
        let scratch = Scratch()
        let clip = scratch.path("tiny.mp4")
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x36:rate=30:duration=1",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=1",
                    "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", clip])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repo.cli)
        process.arguments = ["stitch"] + Array(repeating: clip, count: 3000) + ["-o", scratch.path("out.mp4"), "--quiet"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Interrupt once the partial file exists (bounded wait: the pre-flight of 3,000 clips comes first).
        for _ in 0..<6000 where !scratch.contents.contains(where: { $0.hasSuffix(".partial") }) {
            usleep(10_000)
        }
        #expect(scratch.contents.contains { $0.hasSuffix(".partial") }, "the stitch finished before it could be interrupted")
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(scratch.contents == ["tiny.mp4"])
    }
}

/// The two fields of a plan file these tests look at.
enum RenderPlanFile {
    static func read(_ path: String) throws -> (id: String, scenes: Int) {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        return (json["renderPlanId"] as? String ?? "", (json["scenes"] as? [Any])?.count ?? 0)
    }
}

/// Runs a program with its output discarded; returns its exit status and peak resident memory.
func spawnMeasured(_ executable: String, _ arguments: [String]) throws -> (status: Int32, peakKB: Int) {
    var pid = pid_t()
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
    var status: Int32 = 0
    var usage = rusage()
    _ = wait4(pid, &status, 0, &usage)
    let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return (exited, usage.ru_maxrss)
}
