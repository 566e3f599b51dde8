import Foundation
import Testing
@testable import MiaPipeline

/// Never silently wrong: the right words for FIFOs, pixel formats and channels, a job store that can be
/// read where it cannot be written, and the user's own `$HOME`.
extension CommandLineTests {
    @Test func aFIFOIsNamedAsSuchAndNeverOpened() throws {
        let scratch = Scratch()
        let fifo = scratch.path("pipe.mp4")
        #expect(mkfifo(fifo, 0o600) == 0)
        let message = "\(fifo): is not a regular file (a FIFO)"
        let probed = try run(Repo.cli, ["probe", fifo])
        #expect(probed.status == 1 && probed.stderr == "mia-stitch: error: \(message)\n", "\(probed.stderr)")
        let verified = try run(Repo.cli, ["verify", fifo])
        #expect(verified.status == 1 && verified.stdout.contains("is not a regular file (a FIFO)"), "\(verified.stdout)")
        let stitched = try run(Repo.cli, ["stitch", a, fifo, "-o", scratch.path("out.mp4")])
        #expect(stitched.status == 1 && stitched.stderr.hasSuffix("mia-stitch: error: clip 2 (\(fifo)): is not a regular file (a FIFO)\n"),
                "\(stitched.stderr)")
        let analyzed = try run(Repo.cli, ["analyze", fifo])
        #expect(analyzed.status == 1 && analyzed.stderr.hasSuffix("mia-stitch: error: \(message)\n"), "\(analyzed.stderr)")
    }

    @Test func aHeaderOnlyReadIsNotAnUnknownPixelFormat() throws {
        let scratch = Scratch()
        let mkv = scratch.path("a.mkv")
        try ffmpeg(["-i", a, "-c", "copy", mkv])
        // Clip 1 is probed fully (mkv), clip 2 from its mp4 header alone: the pixel format is not a difference.
        let refused = try run(Repo.cli, ["stitch", mkv, b, "-o", scratch.path("out.mp4"), "--normalize", "never"])
        #expect(refused.status == 1)
        #expect(!refused.stderr.contains("pixel format"), "\(refused.stderr)")
        #expect(refused.stderr.contains("clip 2 (\(b)): video time base is 1/15360, clip 1 is 1/1000"), "\(refused.stderr)")
    }

    @Test func aProblemWeFindOurselvesReadsAsWhatIsWrong() throws {
        let scratch = Scratch()
        let empty = scratch.path("no-pictures.mkv")
        // A video track whose packets were all dropped: it has parameters but nothing to decode.
        try ffmpeg(["-i", a, "-c", "copy", "-bsf:v", "noise=drop=1", empty])
        let info = try MediaProbe.inspect(empty)
        let conformer = VideoConformer(target: NormalizeTarget(width: 320, height: 180, fps: Rational(30, 1), audio: nil),
                                       settings: EncodingSettings(), threads: 1)
        do {
            try conformer.conform(info, frames: 3, range: 0..<3, into: scratch.path("segment.mp4"), outputFrame: 0)
            Issue.record("a clip without pictures was conformed")
        } catch {
            #expect("\(error)" == "\(empty): cannot re-encode its video: no video frame could be decoded")
        }
    }

    @Test func channelsAreSaidOneWay() throws {
        let stereo = try MediaProbe.inspect(a)
        var unspecified = try MediaProbe.inspect(Repo.media("h264-aac-44k-mono.mp4"))
        unspecified.streams = unspecified.streams.map { var stream = $0; if stream.kind == .audio { stream.channelLayout = "1 channels" }; return stream }
        var mono = unspecified
        mono.streams = mono.streams.map { var stream = $0; if stream.kind == .audio { stream.channelLayout = "mono" }; return stream }
        let channelProblems = { (clip: ClipInfo, reference: ClipInfo) in
            StitchCompatibility.mismatches(of: clip, number: 2, against: reference).filter { $0.property.hasPrefix("audio ch") }.map(\.problem)
        }
        #expect(channelProblems(unspecified, mono) == [], "\"1 channels\" is mono")
        #expect(channelProblems(unspecified, stereo) == ["audio channels is 1 channel (mono), clip 1 is 2 channels (stereo)"])
        let text = try run(Repo.cli, ["probe", Repo.media("h264-aac-44k-mono.mp4")])
        #expect(text.stdout.contains(", 44100 Hz, 1 channel (mono), time base 1/44100"), "\(text.stdout)")
    }

    @Test func aReadOnlyJobStoreCanStillBeListed() throws {
        let scratch = Scratch()
        let folder = scratch.path("store")
        let database = folder + "/jobs.sqlite"
        let environment = BatchTests.cleanEnvironment.merging(["MIA_DB": database]) { $1 }
        let planned = try run(Repo.cli, ["plan", Repo.media("scripts/saas-launch.txt"), "-o", scratch.path("p.json"), "--provider", "template"],
                              environment: environment)
        #expect(planned.status == 0, "\(planned.stderr)")
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: database)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder) }
        // Root ignores file modes: list as nobody, as a user without write access would.
        let asUser = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", Repo.cli] : [Repo.cli]
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.url.path)
        let listed = try run(asUser[0], Array(asUser.dropFirst()) + ["plans", "--db", database], environment: ["HOME": scratch.url.path])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("saas-launch.txt"), "\(listed.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["jobs.sqlite"])
    }

    @Test func theDefaultStoreAndConfigFollowHome() {
        #expect(JobStore.defaultPath(["HOME": "/home/ada"]) == "/home/ada/.local/share/mia-stitch/jobs.sqlite")
        #expect(JobStore.defaultPath(["HOME": "/home/ada", "XDG_DATA_HOME": "/data"]) == "/data/mia-stitch/jobs.sqlite")
        #expect(JobStore.defaultPath(["HOME": "/home/ada", "MIA_DB": "/x.sqlite"]) == "/x.sqlite")
        #expect(UserConfig.path(["HOME": "/home/ada"]) == "/home/ada/.config/mia-stitch/config.json")
        #expect(UserConfig.path(["HOME": "/home/ada", "XDG_CONFIG_HOME": "/cfg"]) == "/cfg/mia-stitch/config.json")
    }
}
