import Foundation
import Testing

/// Paths of the repository, its fixtures and the built CLI.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func media(_ name: String) -> String { root.appendingPathComponent("TestMedia/\(name)").path }

    /// The `mia-stitch` binary built beside the test bundle.
    static var cli: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for folder in [beside, beside.deletingLastPathComponent(), root.appendingPathComponent(".build/debug")] {
            let candidate = folder.appendingPathComponent("mia-stitch").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return root.appendingPathComponent(".build/debug/mia-stitch").path
    }
}

/// A fresh folder for one test, removed when the value goes away.
final class Scratch {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("mia-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Everything in the folder, hidden files included (to catch leftover temporary files).
    var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: url.path).sorted()) ?? [] }
}

struct ProcessResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs a program to completion and captures its output.
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
    process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
    if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes while the process runs, so a chatty child never blocks on a full pipe.
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data(), errData = Data()
    group.enter()
    DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter()
    DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    process.waitUntilExit()
    group.wait()
    return ProcessResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
}

/// Makes a clip with the ffmpeg CLI (an encoder independent of mia-stitch).
func ffmpeg(_ arguments: [String]) throws {
    let result = try run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y"] + arguments)
    #expect(result.status == 0, "ffmpeg failed: \(result.stderr)")
}

/// A packet as ffprobe (the independent oracle) reports it.
struct ProbedPacket: Decodable {
    let streamIndex: Int
    let pts: Int64?
    let dts: Int64?
    let duration: Int64?
    let size: Int
    let dataHash: String?

    enum CodingKeys: String, CodingKey {
        case streamIndex = "stream_index", pts, dts, duration, size, dataHash = "data_hash"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        streamIndex = try c.decode(Int.self, forKey: .streamIndex)
        pts = try c.decodeIfPresent(Int64.self, forKey: .pts)
        dts = try c.decodeIfPresent(Int64.self, forKey: .dts)
        duration = try c.decodeIfPresent(Int64.self, forKey: .duration)
        size = Int(try c.decode(String.self, forKey: .size)) ?? -1
        dataHash = try c.decodeIfPresent(String.self, forKey: .dataHash)
    }
}

struct ProbedStream: Decodable {
    let index: Int
    let codecType: String
    let codecName: String?
    let timeBase: String
    let duration: String?
    let startTime: String?
    let width: Int?
    let height: Int?
    let frameRate: String?
    let sampleRate: String?
    let channels: Int?
    enum CodingKeys: String, CodingKey {
        case index, codecType = "codec_type", codecName = "codec_name", timeBase = "time_base", duration,
             startTime = "start_time", width, height, frameRate = "r_frame_rate", sampleRate = "sample_rate", channels
    }
    var seconds: Double? { duration.flatMap(Double.init) }
}

struct ProbedChapter: Decodable {
    let startTime: String
    let endTime: String
    let tags: [String: String]?
    enum CodingKeys: String, CodingKey { case startTime = "start_time", endTime = "end_time", tags }
    var start: Double { Double(startTime) ?? -1 }
    var end: Double { Double(endTime) ?? -1 }
    var title: String? { tags?["title"] }
}

struct FFprobeOutput: Decodable {
    let packets: [ProbedPacket]?
    let streams: [ProbedStream]?
    let chapters: [ProbedChapter]?
}

func ffprobe(_ file: String, packets: Bool = true) throws -> FFprobeOutput {
    var arguments = ["-v", "error", "-of", "json", "-show_streams", "-show_chapters"]
    if packets { arguments += ["-show_data_hash", "CRC32", "-show_entries", "packet=stream_index,pts,dts,duration,size,data_hash:stream:chapter"] }
    let result = try run("ffprobe", arguments + [file])
    #expect(result.status == 0, "ffprobe failed on \(file): \(result.stderr)")
    return try JSONDecoder().decode(FFprobeOutput.self, from: Data(result.stdout.utf8))
}

extension FFprobeOutput {
    func packets(ofStream index: Int) -> [ProbedPacket] { (packets ?? []).filter { $0.streamIndex == index } }
    func stream(_ type: String) -> ProbedStream? { streams?.first { $0.codecType == type } }
}

/// Top-level MP4 box types in file order.
func topLevelBoxes(_ file: String) throws -> [String] {
    let data = try Data(contentsOf: URL(fileURLWithPath: file))
    var boxes: [String] = []
    var offset = 0
    while offset + 8 <= data.count {
        var size = data[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        let type = String(decoding: data[offset + 4..<offset + 8], as: UTF8.self)
        if size == 1, offset + 16 <= data.count { size = data[offset + 8..<offset + 16].reduce(0) { $0 << 8 | Int($1) } }
        if size == 0 { size = data.count - offset }
        boxes.append(type)
        guard size >= 8 else { break }
        offset += size
    }
    return boxes
}

/// A tiny seeded generator (SplitMix64), so random cases (fuzzing, damage) are the same on every run
/// and a failing one reproduces.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One decoded frame as raw pixels, ffmpeg's decoder the oracle: `seek` picks it (`-ss 1.5`, `-sseof -0.1`),
/// `filter` (`scale=320:180`) shapes it.
func rawFrame(_ file: String, seek: [String], pixelFormat: String = "gray", filter: String? = nil) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["ffmpeg", "-v", "error"] + seek + ["-i", file, "-frames:v", "1"] + (filter.map { ["-vf", $0] } ?? [])
        + ["-f", "rawvideo", "-pix_fmt", pixelFormat, "-"]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return data
}

/// Pixels of the last frame that differ clearly from their row's background (the row's left edge).
func inkPixels(_ file: String, width: Int, height: Int) throws -> Int {
    let data = try rawFrame(file, seek: ["-sseof", "-0.1"])
    try #require(data.count == width * height)
    var ink = 0
    for y in 0..<height {
        let background = Int(data[y * width])
        for x in 0..<width where abs(Int(data[y * width + x]) - background) > 24 { ink += 1 }
    }
    return ink
}
