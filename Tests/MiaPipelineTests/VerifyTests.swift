import Foundation
import Testing
@testable import MiaPipeline
#if canImport(FoundationXML)
import FoundationXML
#endif

/// `Verifier` decodes every frame: good fixtures pass with exact counts, damaged files fail with a reason.
@Suite struct VerifyTests {
    let a = Repo.media("h264-aac-a.mp4")
    let b = Repo.media("h264-aac-b.mp4")

    // MARK: - Good files

    @Test func goodClipPassesWithExactCounts() throws {
        let log = CollectingLog()
        let reports = Verifier(log: log).verify([a])
        #expect(reports.count == 1)
        let report = try #require(reports.first)
        #expect(report.file == a)
        #expect(report.passed)
        #expect(report.problems == [])
        #expect(report.videoFrames == 60)
        // 95 AAC packets; the edit list skips all of the priming packet's samples, so the decoder
        // returns 94 frames (as ffprobe -count_frames does).
        #expect(report.audioFrames == 94)
        #expect(report.decodeErrors == 0)
        #expect(report.timestampErrors == 0)
        #expect(report.duration == 2.0)

        #expect(log.events.count == 1)
        let event = try #require(log.events.first)
        #expect(event.tag == "MIA:VERIFY")
        #expect(event["file"] == .string(a))
        #expect(event["result"] == "pass")
        #expect(event["video_frames"] == 60)
        #expect(event["audio_frames"] == 94)
        #expect(event["decode_errors"] == 0)
        #expect(event["duration"] == .seconds(2.0))
        #expect(event["reason"] == nil)
    }

    static let goodFixtures: [(file: String, videoFrames: Int, duration: Double)] = [
        ("h264-aac-a.mp4", 60, 2.0),
        ("h264-aac-b.mp4", 60, 2.0),
        ("h264-noaudio.mp4", 30, 1.0),
        ("h264-aac-44k-mono.mp4", 30, 1.0),
        ("h264-aac-160x90.mp4", 30, 1.0),
        ("mpeg4-aac.mp4", 30, 1.0),
    ]

    @Test(arguments: goodFixtures)
    func everyGoodFixturePassesOnItsOwn(file: String, videoFrames: Int, duration: Double) throws {
        let path = Repo.media(file)
        let report = try #require(Verifier(log: SilentLog()).verify([path], asStitchSet: false).first)
        #expect(report.passed, "\(report.problems)")
        #expect(report.videoFrames == videoFrames)
        #expect(report.duration.map { abs($0 - duration) < 1e-9 } == true, "\(String(describing: report.duration))")
        #expect(report.decodeErrors == 0)
        #expect(report.timestampErrors == 0)
        // The decoded audio frame count matches ffprobe's (an independent decode of the same file).
        let hasAudio = try MediaProbe.inspect(path).audio != nil
        #expect(report.audioFrames == (hasAudio ? try decodedFrameCount(path, stream: "a") : 0))
        #expect(!hasAudio || report.audioFrames > 0)
    }

    @Test func compatibleClipsPassAsAStitchSet() throws {
        let reports = Verifier(log: SilentLog()).verify([a, b, a], asStitchSet: true)
        #expect(reports.map(\.passed) == [true, true, true], "\(reports.map(\.problems))")
        #expect(reports.map(\.videoFrames) == [60, 60, 60])
    }

    // MARK: - Bad files

    @Test func truncatedFileFails() throws {
        let path = Repo.media("truncated.mp4")
        let log = CollectingLog()
        let report = try #require(Verifier(log: log).verify([path]).first)
        #expect(!report.passed)
        #expect(report.problems.first == "truncated: its index points to byte 45811 but the file has 20000 bytes")
        #expect(report.problems.contains { $0.contains("truncated") })
        // Some frames decode before the data runs out, but not all of them.
        #expect(report.videoFrames < 60)
        #expect(log.events.map(\.tag) == ["MIA:VERIFY:ERROR"])
        #expect(log.events.first?["result"] == "fail")
        #expect(log.events.first?["reason"] == .string(report.problems[0]))
    }

    @Test func emptyFileFails() throws {
        let path = Repo.media("empty.mp4")
        let report = try #require(Verifier(log: SilentLog()).verify([path]).first)
        #expect(!report.passed)
        #expect(report.problems == ["file is empty (0 bytes)"])
        #expect(report.videoFrames == 0)
        #expect(report.duration == nil)
    }

    @Test func missingAndUnreadableFilesFail() throws {
        let missing = Scratch().path("missing.mp4")
        let text = Repo.media("not-a-video.mp4")
        let reports = Verifier(log: SilentLog()).verify([missing, text], asStitchSet: false)
        #expect(reports.map(\.problems) == [
            ["file not found"],
            ["not a media file FFmpeg can read (Invalid data found when processing input)"],
        ])
    }

    @Test func audioOnlyFileFailsForLackOfVideo() throws {
        let report = try #require(Verifier(log: SilentLog()).verify([Repo.media("audio-only.m4a")]).first)
        #expect(report.problems == ["has no video stream"])
        #expect(report.videoFrames == 0)
        #expect(report.audioFrames == (try decodedFrameCount(Repo.media("audio-only.m4a"), stream: "a")))
    }

    @Test func differentSizeFailsOnlyAsAStitchSet() throws {
        let small = Repo.media("h264-aac-160x90.mp4")
        let asSet = Verifier(log: SilentLog()).verify([a, small], asStitchSet: true)
        #expect(asSet.count == 2)
        #expect(asSet[0].passed, "\(asSet[0].problems)")
        #expect(!asSet[1].passed)
        #expect(asSet[1].problems.contains("not stitch-compatible: video size is 160x90, clip 1 is 320x180"),
                "\(asSet[1].problems)")
        // The decode itself is fine: the problem is only that it does not fit with clip 1.
        #expect(asSet[1].videoFrames == 30)
        #expect(asSet[1].decodeErrors == 0)

        let independent = Verifier(log: SilentLog()).verify([a, small], asStitchSet: false)
        #expect(independent.map(\.passed) == [true, true], "\(independent.map(\.problems))")
    }

    // MARK: - The "different SPS under -c copy" pitfall

    /// ffmpeg's concat demuxer with `-c copy` keeps only the first clip's SPS/PPS (avcC) for the whole
    /// output. A later clip encoded with other settings then decodes against the wrong parameter
    /// sets. Here clip 2 uses CAVLC (`cabac=0`) while clip 1's PPS says CABAC: its slices cannot be
    /// parsed. Each clip on its own is fine; the joined file must not pass verification.
    @Test func concatOfClipsWithDifferentParameterSetsFails() throws {
        let scratch = Scratch()
        let cavlc = scratch.path("cavlc.mp4")
        // The same size, rate, GOP and B-frames as the fixtures: only the entropy coder differs.
        try ffmpeg([
            "-f", "lavfi", "-i", "smptebars=size=320x180:rate=30:duration=2",
            "-f", "lavfi", "-i", "sine=frequency=660:sample_rate=48000:duration=2",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "38", "-pix_fmt", "yuv420p", "-g", "30", "-bf", "3",
            "-x264-params", "keyint=30:min-keyint=30:scenecut=0:cabac=0",
            "-c:a", "aac", "-b:a", "48k", "-ac", "2", "-ar", "48000", "-shortest", cavlc,
        ])
        // The two clips really carry different parameter sets (ffprobe's own hash of the extradata)...
        let hashes = try [a, cavlc].map { try extradataHash($0) }
        #expect(hashes[0] != hashes[1], "extradata is identical: \(hashes)")
        // ...and each one on its own is a good clip.
        let alone = Verifier(log: SilentLog()).verify([cavlc], asStitchSet: false)
        #expect(alone.first?.passed == true, "\(alone.first?.problems ?? [])")
        #expect(alone.first?.videoFrames == 60)
        // Our own pre-flight refuses to treat them as one stitch set.
        let asSet = Verifier(log: SilentLog()).verify([a, cavlc], asStitchSet: true)
        #expect(asSet[1].problems.contains { $0.hasPrefix("not stitch-compatible: video codec parameters (SPS/PPS extradata) is ") },
                "\(asSet[1].problems)")

        let list = scratch.path("list.txt")
        try "file '\(a)'\nfile '\(cavlc)'\n".write(toFile: list, atomically: true, encoding: .utf8)
        // `-auto_convert 0`: by default the concat demuxer runs h264_mp4toannexb, which repeats each
        // clip's SPS/PPS in-band before its keyframes and hides the problem (checked below).
        let broken = scratch.path("broken.mp4")
        try ffmpeg(["-f", "concat", "-safe", "0", "-auto_convert", "0", "-i", list, "-c", "copy", broken])
        #expect(try extradataHash(broken) == hashes[0], "the output keeps only clip 1's parameter sets")
        // Every packet was copied: 120 video frames are in the container.
        #expect(try ffprobe(broken, packets: true).packets(ofStream: 0).count == 120)

        let log = CollectingLog()
        let report = try #require(Verifier(log: log).verify([broken]).first)
        #expect(!report.passed, "a file whose second half cannot be decoded passed verification")
        #expect(report.decodeErrors > 0)
        #expect(report.problems.contains("\(report.decodeErrors) decode error(s)"), "\(report.problems)")
        #expect(report.videoFrames < 120, "clip 2's frames cannot all decode with clip 1's PPS")
        // ffmpeg's own decoder (the oracle) cannot decode them either.
        #expect(try decodedFrameCount(broken, stream: "v") < 120)
        #expect(log.events.map(\.tag) == ["MIA:VERIFY:ERROR"])

        // Control: with the default auto_convert the same two clips join into a file that decodes,
        // so the failure above comes from the parameter sets and not from the verifier.
        let repaired = scratch.path("repaired.mp4")
        try ffmpeg(["-f", "concat", "-safe", "0", "-i", list, "-c", "copy", repaired])
        let control = try #require(Verifier(log: SilentLog()).verify([repaired]).first)
        #expect(control.passed, "\(control.problems)")
        #expect(control.videoFrames == 120)
        #expect(control.decodeErrors == 0)
    }

    // MARK: - JUnit

    @Test func junitReportParsesAndCountsFailures() throws {
        let scratch = Scratch()
        // A file name with every character XML needs escaped in an attribute.
        let oddName = scratch.path("a<&\"'>b.mp4")
        try FileManager.default.copyItem(atPath: a, toPath: oddName)
        let truncated = Repo.media("truncated.mp4")
        let empty = Repo.media("empty.mp4")
        let reports = Verifier(log: SilentLog()).verify([a, oddName, truncated, empty], asStitchSet: false)
        #expect(reports.map(\.passed) == [true, true, false, false])

        let xml = JUnitReport.xml(reports)
        #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"))
        #expect(xml.contains("a&lt;&amp;&quot;&apos;&gt;b.mp4"), "the odd name is not escaped:\n\(xml)")
        #expect(!xml.contains(oddName))

        let parsed = try JUnitDocument(xml)
        #expect(parsed.suites.count == 1)
        #expect(parsed.root["tests"] == "4")
        #expect(parsed.root["failures"] == "2")
        let suite = try #require(parsed.suites.first)
        #expect(suite["name"] == "mia-stitch verify")
        #expect(suite["tests"] == "4")
        #expect(suite["failures"] == "2")
        #expect(suite["errors"] == "0")
        #expect(parsed.cases.map { $0["name"] } == [a, oddName, truncated, empty])
        #expect(parsed.cases.allSatisfy { $0["classname"] == "verify" })
        #expect(parsed.cases.allSatisfy { $0["time"].flatMap(Double.init).map { $0 >= 0 } == true })
        // One <failure> per failing file, in order, carrying its first problem as the message.
        #expect(parsed.failures.map(\.caseName) == [truncated, empty])
        #expect(parsed.failures.map(\.message) == [reports[2].problems[0], "file is empty (0 bytes)"])
        #expect(parsed.failures.first?.text == reports[2].problems.joined(separator: "\n"))
    }

    @Test func junitEscapesProblemTextAndControlCharacters() throws {
        var report = VerifyReport(file: "clip \u{1}<1>.mp4")
        report.problems = ["size is \"160x90\" & <odd>", "second\tproblem"]
        let passing = VerifyReport(file: "ok.mp4")
        let xml = JUnitReport.xml([report, passing], suite: "nightly & <more>")
        let parsed = try JUnitDocument(xml)
        #expect(parsed.root["tests"] == "2")
        #expect(parsed.root["failures"] == "1")
        #expect(parsed.suites.first?["name"] == "nightly & <more>")
        // XML 1.0 cannot carry U+0001 even escaped: it becomes "?".
        #expect(parsed.cases.map { $0["name"] } == ["clip ?<1>.mp4", "ok.mp4"])
        #expect(parsed.failures.map(\.message) == ["size is \"160x90\" & <odd>"])
        #expect(parsed.failures.first?.text == "size is \"160x90\" & <odd>\nsecond\tproblem")
    }

    @Test func emptyJUnitReportIsValid() throws {
        let parsed = try JUnitDocument(JUnitReport.xml([]))
        #expect(parsed.root["tests"] == "0")
        #expect(parsed.root["failures"] == "0")
        #expect(parsed.cases.isEmpty)
    }
}

// MARK: - Helpers

/// CRC32 of a file's first video stream's extradata, as ffprobe computes it.
private func extradataHash(_ file: String) throws -> String {
    let result = try run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_data_hash", "CRC32",
                                     "-show_entries", "stream=extradata_hash", "-of", "csv=p=0", file])
    #expect(result.status == 0, "ffprobe failed on \(file): \(result.stderr)")
    return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Frames ffprobe's decoder gets out of the first stream of a type ("v" or "a").
private func decodedFrameCount(_ file: String, stream: String) throws -> Int {
    let result = try run("ffprobe", ["-v", "quiet", "-select_streams", "\(stream):0", "-count_frames",
                                     "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file])
    return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
}

/// A JUnit document as Foundation's XMLParser reads it: proof that the XML is well formed,
/// and the attribute values after unescaping.
private final class JUnitDocument: NSObject, XMLParserDelegate {
    struct Failure {
        var caseName: String?
        var message: String?
        var text = ""
    }

    private(set) var root: [String: String] = [:]
    private(set) var suites: [[String: String]] = []
    private(set) var cases: [[String: String]] = []
    private(set) var failures: [Failure] = []
    private var inFailure = false
    private var parseError: (any Error)?

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    init(_ xml: String) throws {
        super.init()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = self
        guard parser.parse() else {
            throw Malformed(description: "XMLParser: \(String(describing: parser.parserError ?? parseError))\n\(xml)")
        }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        switch name {
        case "testsuites": root = attributes
        case "testsuite": suites.append(attributes)
        case "testcase": cases.append(attributes)
        case "failure":
            failures.append(Failure(caseName: cases.last?["name"], message: attributes["message"]))
            inFailure = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "failure" { inFailure = false }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inFailure { failures[failures.count - 1].text += string }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred error: any Error) { parseError = error }
}
