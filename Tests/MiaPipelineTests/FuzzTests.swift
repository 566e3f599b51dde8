import Foundation
import Testing
@testable import MiaPipeline

/// A seeded fuzz of the stitch pre-flight and `verify` (issue 12): a few hundred damaged copies of
/// the fixture as mp4, mov and mkv, the same on every run. Neither may crash or hang, and they must
/// agree: what a copy stitch refuses, `verify` fails; what `verify` passes, the stitch joins into a
/// video that verifies.
@Suite struct FuzzTests {
    static let mutantsPerContainer = 100

    /// One way to damage a file, picked by the generator.
    static func mutate(_ original: Data, using generator: inout SplitMix64) -> Data {
        var data = original
        switch Int.random(in: 0..<4, using: &generator) {
        case 0:  // a few flipped bytes anywhere (headers, indexes, payloads)
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                data[Int.random(in: 0..<data.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
            }
        case 1:  // cut short
            data = data.prefix(Int.random(in: 1..<data.count, using: &generator))
        case 2:  // a run of zeros
            let start = Int.random(in: 0..<data.count, using: &generator)
            let end = min(data.count, start + Int.random(in: 1...512, using: &generator))
            data.replaceSubrange(start..<end, with: Data(count: end - start))
        default:  // one byte in the first 4 kB set to an extreme (counts, sizes, versions in the headers)
            data[Int.random(in: 0..<min(4_096, data.count), using: &generator)] = [0x00, 0x7F, 0x80, 0xFF].randomElement(using: &generator)!
        }
        return data
    }

    @Test(arguments: ["mp4", "mov", "mkv"])
    func theStitchPreflightAndVerifyAgreeOnDamagedFiles(container: String) throws {
        let scratch = Scratch()
        let source = scratch.path("source.\(container)")
        try ffmpeg(["-i", Repo.media("h264-aac-a.mp4"), "-c", "copy", source])
        let original = try Data(contentsOf: URL(fileURLWithPath: source))
        var generator = SplitMix64(seed: UInt64(container.utf8.reduce(0) { $0 &* 31 &+ Int($1) }))
        var disagreements: [String] = []
        var refused = 0
        for number in 0..<Self.mutantsPerContainer {
            let mutant = scratch.path("mutant-\(number).\(container)")
            try Self.mutate(original, using: &generator).write(to: URL(fileURLWithPath: mutant))
            let output = scratch.path("out-\(number).\(container)")
            let verdict = Verifier(log: SilentLog()).verify([source, mutant])[1]
            var stitchError: MiaError?
            do {
                try Stitcher(log: SilentLog()).stitch([source, mutant], to: output, options: StitchOptions(normalize: .never))
            } catch let error as MiaError {
                stitchError = error
            }
            if let stitchError {
                refused += 1
                if verdict.passed { disagreements.append("mutant \(number): the stitch refused it (\(stitchError.message)) but verify passed it") }
                #expect(!FileManager.default.fileExists(atPath: output))
            } else if verdict.passed {
                let joined = Verifier(log: SilentLog()).verify([output], asStitchSet: false)[0]
                if !joined.passed { disagreements.append("mutant \(number): verify passed it, but its stitch does not verify: \(joined.problems)") }
            }
            unlink(mutant)
            unlink(output)
        }
        #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n"))")
        // The mutations are real damage: most are refused.
        #expect(refused > Self.mutantsPerContainer / 4, "only \(refused) of \(Self.mutantsPerContainer) refused")
    }
}
