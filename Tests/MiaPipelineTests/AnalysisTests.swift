import Foundation
import Crypto
import Testing
@testable import MiaPipeline

/// Durations, provider choice, cost, warnings and plans, on scripts written inline.
@Suite struct AnalysisTests {
    let launch = """
    Scene 1: Hook
    VISUAL: Cinematic drone shot over a coastal city at sunset, slow push in.
    VO: Every morning, millions of people open a dozen apps just to plan one day.

    Scene 2: The product
    VISUAL: Animated illustration of calendar cards snapping together.
    VO: Plandy puts your calendar, tasks and notes in one calm place, so your day plans itself.

    Scene 3: Call to action
    ON SCREEN: Download Plandy free at plandy.app
    VO: Try it free today.
    """

    let none = ProviderEnvironment()
    let runway = ProviderEnvironment(runwayKeySet: true)
    let gateway = ProviderEnvironment(openAIKeySet: true, openAIBaseURL: "http://127.0.0.1:9999/v1", runwayKeySet: true)

    func analyze(_ text: String, _ options: AnalysisOptions, log: any EventSink = SilentLog()) throws -> ScriptAnalysis {
        try ScriptAnalyzer(log: log).analyze(text, name: "launch.txt", options: options)
    }

    @Test func recommendsByStyleAndFallsBackToTemplateWhenNotConnected() throws {
        let analysis = try analyze(launch, AnalysisOptions(environment: none))
        #expect(analysis.scenes.map(\.style) == [.cinematic, .stylized, .textLed])
        // Photoreal motion suits Veo, stylized Runway; with nothing connected, both fall back and say which key to set.
        #expect(analysis.scenes.map(\.recommended.provider) == [.veo, .runway, .template])
        #expect(analysis.scenes.map(\.chosen.provider) == [.template, .template, .template])
        #expect(analysis.scenes[0].chosen.reason == "Veo isn't connected (GEMINI_API_KEY is not set), so Template renders it")
        #expect(analysis.scenes[1].chosen.reason == "Runway isn't connected (RUNWAYML_API_SECRET is not set), so Template renders it")
        #expect(analysis.totalCost == 0)
        #expect(analysis.warnings.map(\.kind) == [.providerNotConnected, .providerNotConnected])
        #expect(analysis.warnings.map(\.message).contains { $0.hasPrefix("Runway isn't connected (set RUNWAYML_API_SECRET), so 1 scene") })
        #expect(analysis.warnings.map(\.message).contains { $0.hasPrefix("Veo isn't connected (set GEMINI_API_KEY), so 1 scene") })
    }

    @Test func connectedProvidersAreUsedAndPricedFromTheTable() throws {
        let analysis = try analyze(launch, AnalysisOptions(environment: runway))
        #expect(analysis.scenes.map(\.chosen.provider) == [.runway, .runway, .template])
        #expect(analysis.scenes.map(\.chosen.model) == ["gen4.5", "gen4.5", "template"])
        // Runway renders whole seconds from 2 to 10: estimates are rounded up.
        for item in analysis.scenes where item.chosen.provider == .runway {
            #expect(item.seconds == item.estimate.seconds.rounded(.up))
            #expect(abs(item.cost - item.seconds * 0.12) < 0.005)
        }
        #expect(abs(analysis.totalCost - analysis.scenes.reduce(0) { $0 + $1.cost }) < 1e-9)
        #expect(analysis.warnings.isEmpty)

        let withGateway = try analyze(launch, AnalysisOptions(environment: gateway))
        #expect(withGateway.scenes[0].chosen.provider == .sora)
        #expect([4.0, 8, 12].contains(withGateway.scenes[0].seconds))
        // Neither Sora, Runway nor Veo renders square video from text; Luma does, but is not connected here.
        let square = try analyze(launch, AnalysisOptions(aspect: .square, environment: gateway))
        #expect(square.scenes[0].recommended.provider == .luma && square.scenes[0].chosen.provider == .template)
        #expect(square.scenes[0].recommended.reason.hasSuffix("Veo would suit it best, but it does not render 1:1, so Luma"))
        let portrait = try analyze(launch, AnalysisOptions(aspect: .portrait, environment: gateway))
        #expect(portrait.scenes[0].chosen.provider == .sora)
    }

    @Test func durationsComeFromNarrationAnnotationsAndMinimums() {
        let estimator = DurationEstimator()
        let thirtyWords = Array(repeating: "word", count: 30).joined(separator: " ")
        #expect(estimator.estimate(Scene(number: 1, title: "t", narration: thirtyWords)) == DurationEstimate(seconds: 12, source: .narration))
        #expect(estimator.estimate(Scene(number: 1, title: "t", narration: thirtyWords, annotatedSeconds: 5))
                == DurationEstimate(seconds: 5, source: .annotation))
        #expect(estimator.estimate(Scene(number: 1, title: "t", visual: "A quiet lake")) == DurationEstimate(seconds: 3, source: .minimum))
        #expect(DurationEstimator(wordsPerMinute: 300).estimate(Scene(number: 1, title: "t", narration: thirtyWords)).seconds == 6)
        let longText = Array(repeating: "word", count: 15).joined(separator: " ")
        #expect(estimator.estimate(Scene(number: 1, title: "t", onScreenText: longText)) == DurationEstimate(seconds: 6, source: .onScreenText))
    }

    @Test func warnsWhenTheScriptMissesTheTargetDuration() throws {
        let long = try analyze(launch, AnalysisOptions(targetDuration: 5, environment: runway))
        let warning = try #require(long.warnings.first { $0.kind == .durationLong })
        #expect(warning.message == String(format: "Your script runs %.1f s, %.1f s over your 5 s target. Trim the narration or raise --duration.",
                                          long.totalSeconds, long.totalSeconds - 5))
        let short = try analyze(launch, AnalysisOptions(targetDuration: 120, environment: runway))
        #expect(short.warnings.contains { $0.kind == .durationShort && $0.message.contains("well short of your 120 s target") })
        let fine = try analyze(launch, AnalysisOptions(targetDuration: long.totalSeconds, environment: runway))
        #expect(!fine.warnings.contains { $0.kind == .durationLong || $0.kind == .durationShort })
    }

    @Test func overBudgetOffersTheFewestDowngradesAndPlansEnforceThem() throws {
        let full = try analyze(launch, AnalysisOptions(environment: runway))
        let paid = full.scenes.filter { $0.cost > 0 }
        let budget = full.totalCost - paid.map(\.cost).min()! + 0.01  // room for all but the cheapest paid scene
        let offered = try analyze(launch, AnalysisOptions(budget: budget, environment: runway))
        let fit = try #require(offered.budgetFit)
        #expect(fit.downgradedScenes.count == 1)
        let costliest = paid.max { ($0.cost, $0.scene.number) < ($1.cost, $1.scene.number) }!
        #expect(fit.downgradedScenes == [costliest.scene.number])
        #expect(fit.cost <= budget)
        #expect(offered.totalCost == full.totalCost)  // an analysis only offers the fit
        #expect(offered.warnings.contains { $0.kind == .budget && $0.message.contains("over your") })

        let enforced = try analyze(launch, AnalysisOptions(budget: budget, enforceBudget: true, environment: runway))
        #expect(enforced.totalCost <= budget)
        #expect(enforced.scenes[costliest.scene.number - 1].chosen.provider == .template)
        #expect(enforced.scenes[costliest.scene.number - 1].chosen.reason == "moved to Template to fit your \(MiaMessages.dollars(budget)) budget")

        let zero = try analyze(launch, AnalysisOptions(budget: 0, enforceBudget: true, environment: runway))
        #expect(zero.totalCost == 0)
        #expect(zero.scenes.allSatisfy { $0.chosen.provider == .template })
    }

    @Test func scenesLongerThanAProviderRendersUseTemplate() throws {
        let words = Array(repeating: "narration", count: 40).joined(separator: " ")
        let script = "Scene 1: Long walk\nVISUAL: Handheld tracking shot of a woman walking through a city street.\nVO: \(words)\n"
        let analysis = try analyze(script, AnalysisOptions(environment: runway))
        #expect(analysis.scenes[0].estimate.seconds == 16)
        #expect(analysis.scenes[0].chosen.provider == .template)
        #expect(analysis.warnings.contains { $0.kind == .sceneTooLong && $0.message.hasPrefix("Scene 1 needs 16.0 s, longer than the 10 s Runway renders") })
    }

    @Test func logsAnalyzeAndWarnEventsAndRefusesAnEmptyScript() throws {
        let log = CollectingLog()
        _ = try analyze(launch, AnalysisOptions(targetDuration: 5, environment: none), log: log)
        #expect(log.events.first?.tag == "MIA:ANALYZE")
        #expect(log.events.first?["scenes"] == .int(3))
        #expect(log.events.dropFirst().allSatisfy { $0.tag == "MIA:WARN" })
        #expect(log.events.count == 4)  // analyze, Veo and Runway not connected, duration
        #expect(throws: MiaError(file: "launch.txt", "the script is empty; there is nothing to analyze")) {
            _ = try analyze(" \n\n ", AnalysisOptions())
        }
    }

    @Test func narrationFreeScriptsGetAWarningAndMinimumLengths() throws {
        let script = "Scene 1: Lake\nVISUAL: A misty lake at dawn.\n\nScene 2: Forest\nVISUAL: Sunlight through pine trees.\n"
        let analysis = try analyze(script, AnalysisOptions(environment: none))
        #expect(analysis.scenes.map(\.seconds) == [3, 3])
        #expect(analysis.warnings.contains { $0.kind == .noNarration })
    }

    @Test func summaryIsReadableAndJSONHasTheWholeStructure() throws {
        let analysis = try analyze(launch, AnalysisOptions(budget: 0.5, environment: runway))
        let text = MiaMessages.summary(analysis)
        #expect(text.hasPrefix("Hi, I'm Mia. I read your script as 3 scenes from its scene headings."))
        #expect(text.contains("Total: "))
        #expect(text.contains("Heads up:"))
        let encoder = JSONEncoder()
        let json = try #require(try JSONSerialization.jsonObject(with: encoder.encode(analysis)) as? [String: Any])
        #expect((json["scenes"] as? [Any])?.count == 3)
        #expect(json["budgetFit"] != nil)
    }

    // MARK: Plans

    @Test func plansAreDeterministicAndDescribeEveryScene() throws {
        let planner = RenderPlanner(log: SilentLog())
        let options = PlanOptions(width: 1280, height: 720, fps: 30, environment: runway)
        let (first, _) = try planner.plan(launch, scriptName: "launch.txt", planFileName: "launch.json", options: options)
        let (second, _) = try planner.plan(launch, scriptName: "launch.txt", planFileName: "launch.json", options: options)
        #expect(try first.json() == second.json())
        #expect(first.renderPlanId.hasPrefix("plan-") && first.renderPlanId.count == 21)
        #expect(first.scriptHash == SHA256.hex(launch))
        #expect(first.target == TargetFormat(width: 1280, height: 720, fps: 30, audioSampleRate: 48000, audioChannels: 2))
        #expect(first.scenes.map(\.sceneNumber) == [1, 2, 3])
        #expect(first.scenes.map(\.output) == ["launch-scenes/scene-01.mp4", "launch-scenes/scene-02.mp4", "launch-scenes/scene-03.mp4"])
        #expect(first.scenes.allSatisfy { $0.status == .pending })
        #expect(first.scenes[0].prompt.hasPrefix("Cinematic, photorealistic footage. Cinematic drone shot"))
        #expect(first.scenes[2].provider == .template)

        let (otherFPS, _) = try planner.plan(launch, scriptName: "launch.txt", planFileName: "launch.json",
                                             options: PlanOptions(width: 1280, height: 720, fps: 25, environment: runway))
        #expect(otherFPS.renderPlanId != first.renderPlanId)
        let decoded = try JSONDecoder().decode(RenderPlan.self, from: first.json())
        #expect(decoded == first)
    }

    @Test func plansNeverExceedTheBudgetAndKeepKeysOut() throws {
        var environment = runway
        environment.openAIKeySet = true
        let (plan, _) = try RenderPlanner(log: SilentLog()).plan(launch, scriptName: "launch.txt", planFileName: "p.json",
                                                               options: PlanOptions(budget: 0.5, environment: environment))
        #expect(plan.estimatedCost <= 0.5)
        #expect(plan.scenes.reduce(0) { $0 + $1.estimatedCost } <= 0.5)
        let json = String(decoding: try plan.json(), as: UTF8.self)
        #expect(!json.lowercased().contains("secret"))
        #expect(!json.contains("Bearer"))
    }

    @Test func verifyChecksSceneClipsAgainstThePlan() throws {
        let job = SceneJob(sceneNumber: 1, title: "t", provider: .template, model: "template", seconds: 2, prompt: "t",
                           narration: "", onScreenText: "", output: "x.mp4", status: .complete, estimatedCost: 0, reason: "")
        let clip = try MediaProbe.inspect(Repo.media("h264-aac-a.mp4"))
        let matching = TargetFormat(width: 320, height: 180, fps: 30)
        #expect(PlanConformance.problems(clip, decodedDuration: 2, job: job, target: matching).isEmpty)
        #expect(PlanConformance.problems(clip, decodedDuration: 2, job: job, target: TargetFormat(width: 1920, height: 1080, fps: 25))
                == ["scene 1: video is 320x180, the plan renders 1920x1080", "scene 1: frame rate is 30, the plan renders 25 fps"])
        var longer = job
        longer.seconds = 5
        #expect(PlanConformance.problems(clip, decodedDuration: 2, job: longer, target: matching) == ["scene 1: lasts 2.000 s, the plan says 5.000 s"])
        let silent = try MediaProbe.inspect(Repo.media("h264-noaudio.mp4"))
        var oneSecond = job
        oneSecond.seconds = 1
        #expect(PlanConformance.problems(silent, decodedDuration: 1, job: oneSecond, target: matching)
                == ["scene 1: the clip has no audio; every scene clip needs a track (silence is fine) to stitch"])
    }
}
