import Foundation
import Testing
@testable import MiaPipeline

/// `MediaProbe.inspect` and `ProbeReport` on the fixtures, checked against what the fixtures were
/// made with (TestMedia/make-fixtures.sh) and against ffprobe's view of the same files.
@Suite struct ProbeTests {
    let a = Repo.media("h264-aac-a.mp4")

    // MARK: - Good files

    @Test func h264AacClipHasEveryParameter() throws {
        let info = try MediaProbe.inspect(a)
        #expect(info.path == a)
        #expect(info.container.split(separator: ",").contains("mp4"), "\(info.container)")
        #expect(info.duration == 2.0)
        #expect(info.sizeBytes == 45_811)
        #expect(info.streams.count == 2)
        #expect(info.videoIndex == 0)
        #expect(info.audioIndex == 1)
        #expect(info.truncation == nil)
        #expect(info.indexedDataEnd == 45_811, "the index of an intact file ends at its last byte")

        let video = try #require(info.video)
        #expect(video.kind == .video)
        #expect(video.codec == "h264")
        #expect(video.profile == "High")
        #expect(video.width == 320)
        #expect(video.height == 180)
        #expect(video.size == "320x180")
        #expect(video.pixelFormat == "yuv420p")
        #expect(video.frameRate == Rational(30, 1))
        #expect(video.timeBase == Rational(1, 15_360))
        #expect(video.durationTimestamp == 30_720)
        #expect(video.duration == 2.0)
        #expect(video.startTimestamp == 0)
        #expect(video.frameCount == 60)
        #expect(video.hasBFrames == true)
        #expect(video.fieldOrder == "progressive")
        #expect(video.sampleAspectRatio == Rational(1, 1))
        #expect(video.extradata.count == 46, "avcC with one SPS and one PPS, as ffprobe's extradata_size says")
        #expect(video.extradata.first == 1, "avcC configurationVersion")
        #expect(video.sampleRate == nil)
        #expect(video.channels == nil)

        let audio = try #require(info.audio)
        #expect(audio.kind == .audio)
        #expect(audio.codec == "aac")
        #expect(audio.profile == "LC")
        #expect(audio.sampleRate == 48_000)
        #expect(audio.channels == 2)
        #expect(audio.channelLayout == "stereo")
        #expect(audio.frameSize == 1024)
        #expect(audio.timeBase == Rational(1, 48_000))
        #expect(audio.duration == 2.0)
        #expect(audio.extradata.count == 5, "AudioSpecificConfig")
        #expect(audio.width == nil)
        #expect(audio.hasBFrames == nil)
    }

    @Test func mpeg4ClipIsReportedAsMpeg4() throws {
        let info = try MediaProbe.inspect(Repo.media("mpeg4-aac.mp4"))
        #expect(info.video?.codec == "mpeg4")
        #expect(info.video?.size == "320x180")
        #expect(info.video?.frameCount == 30)
        #expect(info.audio?.codec == "aac")
        #expect(info.duration == 1.0)
    }

    @Test func clipWithoutAudioHasNoAudioStream() throws {
        let info = try MediaProbe.inspect(Repo.media("h264-noaudio.mp4"))
        #expect(info.audio == nil)
        #expect(info.audioIndex == nil)
        #expect(info.streams.map(\.kind) == [.video])
        #expect(info.video?.codec == "h264")
        #expect(info.video?.frameCount == 30)
    }

    @Test func audioOnlyFileHasNoVideoStream() throws {
        let info = try MediaProbe.inspect(Repo.media("audio-only.m4a"))
        #expect(info.video == nil)
        #expect(info.videoIndex == nil)
        #expect(info.streams.map(\.kind) == [.audio])
        #expect(info.audio?.codec == "aac")
        #expect(info.audio?.sampleRate == 48_000)
        #expect(info.audio?.channelLayout == "stereo")
    }

    @Test func monoClipAt44kHz() throws {
        let audio = try #require(try MediaProbe.inspect(Repo.media("h264-aac-44k-mono.mp4")).audio)
        #expect(audio.sampleRate == 44_100)
        #expect(audio.channels == 1)
        #expect(audio.channelLayout == "mono")
        #expect(audio.timeBase == Rational(1, 44_100))
    }

    // MARK: - Bad files

    @Test func missingFileIsRefusedByName() throws {
        let path = Scratch().path("nowhere.mp4")
        #expect(throws: MiaError(file: path, "file not found")) { try MediaProbe.inspect(path) }
    }

    @Test func emptyFileIsRefusedByName() throws {
        let path = Repo.media("empty.mp4")
        #expect(throws: MiaError(file: path, "file is empty (0 bytes)")) { try MediaProbe.inspect(path) }
    }

    @Test func textFileIsRefusedWithFFmpegsReason() throws {
        let path = Repo.media("not-a-video.mp4")
        #expect(throws: MiaError(file: path, "not a media file FFmpeg can read (Invalid data found when processing input)")) {
            try MediaProbe.inspect(path)
        }
    }

    @Test func directoryIsRefusedByName() throws {
        let scratch = Scratch()
        let folder = scratch.path("clips.mp4")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        #expect(throws: MiaError(file: folder, "is a directory, not a media file")) { try MediaProbe.inspect(folder) }
    }

    @Test func errorsNameTheFileInOneLine() throws {
        let path = Repo.media("empty.mp4")
        do {
            _ = try MediaProbe.inspect(path)
            Issue.record("an empty file was probed")
        } catch let error as MiaError {
            #expect(error.subject == path)
            #expect(error.problem == "file is empty (0 bytes)")
            #expect(error.message == "\(path): file is empty (0 bytes)")
            #expect(!error.message.contains("\n"))
        }
    }

    // MARK: - ProbeReport

    @Test func probeReportOfTruncatedFileKeepsInfoAndGivesError() throws {
        let path = Repo.media("truncated.mp4")
        let report = ProbeReport.probe(path)
        #expect(report.file == path)
        #expect(report.error == "\(path): truncated: its index points to byte 45811 but the file has 20000 bytes")
        // The header (moov is at the front: faststart) is intact, so the parameters are still there.
        #expect(report.info?.sizeBytes == 20_000)
        #expect(report.info?.indexedDataEnd == 45_811)
        #expect(report.info?.video?.frameCount == 60)
        // The text form still describes what the header says; the CLI prints the error beside it.
        #expect(report.text.hasPrefix("\(path): mov,mp4,m4a,3gp,3g2,mj2, 2.000 s, 20000 bytes"), "\(report.text)")
    }

    @Test func probeReportOfGoodFileHasNoError() throws {
        let report = ProbeReport.probe(a)
        #expect(report.error == nil)
        #expect(report.info == (try MediaProbe.inspect(a)))
        let lines = report.text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("\(a): mov,mp4,m4a,3gp,3g2,mj2, 2.000 s, 45811 bytes"), "\(lines[0])")
        #expect(lines[1].hasPrefix("  #0 video: h264 (High), 320x180, yuv420p, 30 fps, B-frames, time base 1/15360, 2.000 s, 60 frames"),
                "\(lines[1])")
        #expect(lines[2].hasPrefix("  #1 audio: aac (LC), 48000 Hz, 2 channels (stereo), time base 1/48000, 2.000 s"), "\(lines[2])")
    }

    @Test func probeReportOfUnreadableFilesHasNoInfo() throws {
        for (name, problem) in [("empty.mp4", "file is empty (0 bytes)"),
                                ("not-a-video.mp4", "not a media file FFmpeg can read (Invalid data found when processing input)")] {
            let path = Repo.media(name)
            let report = ProbeReport.probe(path)
            #expect(report.info == nil)
            #expect(report.error == "\(path): \(problem)")
            #expect(report.text == "\(path): error: \(path): \(problem)")
        }
    }

    @Test func jsonParsesAndCarriesTheFields() throws {
        let truncated = Repo.media("truncated.mp4")
        let missing = Scratch().path("missing.mp4")
        let json = try ProbeReport.json([a, truncated, missing].map(ProbeReport.probe), showExtradata: true)
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8))
        let reports = try #require(parsed as? [[String: Any]])
        #expect(reports.count == 3)

        #expect(reports[0]["file"] as? String == a)
        #expect(reports[0]["error"] == nil, "a good file has no error key")
        let info = try #require(reports[0]["info"] as? [String: Any])
        #expect((info["container"] as? String)?.contains("mp4") == true)
        #expect(info["duration"] as? Double == 2.0)
        #expect(info["sizeBytes"] as? Int == 45_811)
        #expect(info["videoIndex"] as? Int == 0)
        #expect(info["audioIndex"] as? Int == 1)
        let streams = try #require(info["streams"] as? [[String: Any]])
        #expect(streams.count == 2)
        let video = streams[0], audio = streams[1]
        #expect(video["kind"] as? String == "video")
        #expect(video["codec"] as? String == "h264")
        #expect(video["width"] as? Int == 320)
        #expect(video["height"] as? Int == 180)
        #expect(video["pixelFormat"] as? String == "yuv420p")
        #expect(video["frameCount"] as? Int == 60)
        #expect(video["hasBFrames"] as? Bool == true)
        #expect((video["timeBase"] as? [String: Int]) == ["num": 1, "den": 15_360])
        #expect((video["frameRate"] as? [String: Int]) == ["num": 30, "den": 1])
        // Data encodes as base64; it must round-trip to the same bytes.
        let extradata = try #require(video["extradata"] as? String)
        #expect(Data(base64Encoded: extradata) == (try MediaProbe.inspect(a)).video?.extradata)
        #expect(audio["kind"] as? String == "audio")
        #expect(audio["codec"] as? String == "aac")
        #expect(audio["sampleRate"] as? Int == 48_000)
        #expect(audio["channels"] as? Int == 2)
        #expect(audio["channelLayout"] as? String == "stereo")
        #expect(audio["frameSize"] as? Int == 1024)

        #expect(reports[1]["error"] as? String == "\(truncated): truncated: its index points to byte 45811 but the file has 20000 bytes")
        #expect((reports[1]["info"] as? [String: Any])?["indexedDataEnd"] as? Int == 45_811)

        #expect(reports[2]["error"] as? String == "\(missing): file not found")
        #expect(reports[2]["info"] == nil)
        // Paths print as written (no "\/" escapes), for people who grep the output.
        #expect(json.contains("\"file\" : \"\(a)\""))
    }

    // MARK: - Against ffprobe

    static let oracleFixtures = [
        "h264-aac-a.mp4", "h264-aac-b.mp4", "h264-noaudio.mp4", "h264-aac-44k-mono.mp4",
        "h264-aac-160x90.mp4", "mpeg4-aac.mp4", "audio-only.m4a",
    ]

    @Test(arguments: oracleFixtures)
    func agreesWithFFprobe(fixture: String) throws {
        let path = Repo.media(fixture)
        let ours = try MediaProbe.inspect(path)
        let theirs = try FFprobeView(path)

        #expect(ours.sizeBytes == theirs.sizeBytes)
        #expect(ours.container == theirs.formatName)
        let duration = try #require(ours.duration)
        #expect(abs(duration - theirs.duration) < 0.001, "ours \(duration), ffprobe \(theirs.duration)")
        #expect(ours.streams.count == theirs.streams.count)

        for (mine, probed) in zip(ours.streams, theirs.streams) {
            #expect(mine.index == probed.index)
            #expect(mine.kind.rawValue == probed.codecType)
            #expect(mine.codec == probed.codecName)
            #expect(mine.timeBase.description == probed.timeBase)
            if let seconds = probed.duration {
                let ourSeconds = try #require(mine.duration)
                #expect(abs(ourSeconds - seconds) < 0.001, "stream #\(mine.index): ours \(ourSeconds), ffprobe \(seconds)")
            }
            #expect(mine.frameCount == probed.frameCount)
            #expect(mine.extradata.count == probed.extradataSize ?? 0)
            switch mine.kind {
            case .video:
                #expect(mine.width == probed.width)
                #expect(mine.height == probed.height)
                #expect(mine.pixelFormat == probed.pixelFormat)
                #expect(mine.frameRate?.description == probed.averageFrameRate)
            case .audio:
                #expect(mine.sampleRate == probed.sampleRate)
                #expect(mine.channels == probed.channels)
                #expect(mine.channelLayout == probed.channelLayout)
            default:
                break
            }
        }
    }
}

/// ffprobe's `-show_format -show_streams` for one file, the fields the probe tests compare.
private struct FFprobeView {
    struct Stream {
        let index: Int
        let codecType: String
        let codecName: String
        let timeBase: String
        let duration: Double?
        let frameCount: Int?
        let extradataSize: Int?
        let width: Int?
        let height: Int?
        let pixelFormat: String?
        let averageFrameRate: String?
        let sampleRate: Int?
        let channels: Int?
        let channelLayout: String?
    }

    let formatName: String
    let duration: Double
    let sizeBytes: Int64
    let streams: [Stream]

    init(_ file: String) throws {
        let result = try run("ffprobe", ["-v", "error", "-of", "json", "-show_format", "-show_streams", file])
        #expect(result.status == 0, "ffprobe failed on \(file): \(result.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let format = try #require(root["format"] as? [String: Any])
        formatName = try #require(format["format_name"] as? String)
        duration = try #require((format["duration"] as? String).flatMap(Double.init))
        sizeBytes = try #require((format["size"] as? String).flatMap { Int64($0) })
        let streams = try #require(root["streams"] as? [[String: Any]])
        // ffprobe writes some numbers as JSON strings ("48000") and others as numbers.
        func int(_ value: Any?) -> Int? { (value as? Int) ?? (value as? String).flatMap { Int($0) } }
        self.streams = streams.map { s in
            // "0/0" is ffprobe's way of saying "no rate".
            let rate = s["avg_frame_rate"] as? String
            return Stream(
                index: int(s["index"]) ?? -1,
                codecType: s["codec_type"] as? String ?? "",
                codecName: s["codec_name"] as? String ?? "",
                timeBase: (s["time_base"] as? String).map { $0.hasSuffix("/1") ? String($0.dropLast(2)) : $0 } ?? "",
                duration: (s["duration"] as? String).flatMap(Double.init),
                frameCount: int(s["nb_frames"]),
                extradataSize: int(s["extradata_size"]),
                width: int(s["width"]),
                height: int(s["height"]),
                pixelFormat: s["pix_fmt"] as? String,
                averageFrameRate: rate == "0/0" ? nil : rate.map { $0.hasSuffix("/1") ? String($0.dropLast(2)) : $0 },
                sampleRate: int(s["sample_rate"]),
                channels: int(s["channels"]),
                channelLayout: s["channel_layout"] as? String
            )
        }
    }
}
