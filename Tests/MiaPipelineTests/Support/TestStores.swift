import Foundation
import Crypto
import Testing
@testable import MiaPipeline

/// A throwaway PostgreSQL cluster on a free loopback port (`scripts/pg-throwaway`), stopped and removed
/// when the value goes away. Without PostgreSQL installed the test fails saying so (`scripts/setup` installs it).
final class PostgresCluster {
    let url: String
    private let folder: String
    private static let script = Repo.root.appendingPathComponent("scripts/pg-throwaway").path

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mia-pg-\(UUID().uuidString)").path
        let started = try run(Self.script, ["start", folder])
        guard started.status == 0 else {
            _ = try? run(Self.script, ["stop", folder])
            throw MiaError("cannot start a throwaway PostgreSQL for the tests: \(started.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        url = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit { _ = try? run(Self.script, ["stop", folder]) }
}

/// The two places a job store can live; contract tests run on both.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// A fresh, empty job store of one kind, with what keeps it alive (its folder, its cluster).
final class TestStore {
    let kind: StoreKind
    let scratch = Scratch()
    let location: String
    let store: JobStore
    private let cluster: PostgresCluster?

    init(_ kind: StoreKind) throws {
        self.kind = kind
        cluster = kind == .postgres ? try PostgresCluster() : nil
        location = cluster?.url ?? scratch.path("jobs.sqlite")
        store = try JobStore(path: location)
    }

    /// Another connection to the same store, as a second process would have.
    func open() throws -> JobStore { try JobStore(path: location) }
}

/// A plan of `scenes` scene jobs (scene 1 on Runway, the rest Template) for store tests.
func samplePlan(id: String = "plan-0123456789abcdef", scenes: Int = 3) -> RenderPlan {
    RenderPlan(renderPlanId: id, scriptHash: SHA256.hex("script"), script: "launch.txt", format: .headings,
               target: TargetFormat(width: 1280, height: 720, fps: 30), budget: 5, targetDuration: nil,
               estimatedCost: 1.2, totalSeconds: 12, outputDirectory: "launch-scenes", warnings: [],
               scenes: (1...scenes).map { n in
                   SceneJob(sceneNumber: n, title: "Scene \(n)", provider: n == 1 ? .runway : .template,
                            model: n == 1 ? "gen4.5" : "template", seconds: 4, prompt: "p\(n)", narration: "", onScreenText: "",
                            output: "launch-scenes/scene-0\(n).mp4", status: .pending, estimatedCost: n == 1 ? 0.48 : 0,
                            reason: "r")
               })
}
