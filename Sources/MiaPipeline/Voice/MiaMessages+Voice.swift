import Foundation

extension MiaMessages {
    /// One line on how a plan's narration is spoken, for the plan summary; nil for a silent plan.
    public static func narration(_ plan: RenderPlan) -> String? {
        let spoken = plan.scenes.compactMap(\.speech)
        guard let voice = plan.voice else { return nil }
        guard !spoken.isEmpty else { return "Narration: \(voice), but no scene has words to speak." }
        let voices = spoken.map(\.voice).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let seconds = spoken.reduce(0) { $0 + $1.seconds }
        let approximate = spoken.contains(where: \.approximateTimings) ? "; word timings derived from the audio (approximate)" : ""
        return String(format: "Narration: %@ asked, spoken by %@: %@, %.1f s of speech, %@%@.", voice,
                      voices.joined(separator: ", "), count(spoken.count, "scene"), seconds, dollars(plan.speechCost), approximate)
    }

    static func voiceOverBudget(cost: Double, budget: Double) -> String {
        "Speaking the narration with cloud voices would cost \(dollars(cost)), over the \(dollars(budget)) budget on its own, "
            + "so eSpeak NG speaks it instead (free)."
    }

    static func voiceRefusedOverBudget(cost: Double, budget: Double) -> String {
        "Speaking the narration with cloud voices would cost \(dollars(cost)), over the \(dollars(budget)) budget on its own; "
            + "nothing was bought (--voice espeak is free, or leave out --no-fallback)."
    }

    static func speechNotApproved(cost: Double) -> String {
        "Not approved: nothing was bought. The narration would cost \(dollars(cost)); --voice espeak speaks it for free."
    }

    public static func speechApprovalPrompt(cost: Double) -> String {
        "Speaking the narration costs \(dollars(cost)) before the plan is made. Go ahead? [y/N] "
    }

    static func speechOutlastsScene(scene: Int, speech: Double, annotated: Double) -> String {
        String(format: "Scene %d's narration takes %.1f s to say (%.1f s with its lead-in and pause), longer than the %.1f s the script gives it; ",
               scene, speech, NarrationTiming.sceneSeconds(speaking: speech), annotated)
            + "the scene runs long so no word is cut."
    }

    static func markupNotSpoken(scene: Int) -> String {
        "Scene \(scene)'s narration has markup (<tags> or [[…]]); it is left out of the speech, not read aloud or obeyed."
    }

    static func unknownSpeaker(_ name: String, speakers: [String]) -> String {
        let close = ClosestNames.closest(to: name, in: speakers, limit: 1).first
        return "The voices file names \(name), who speaks no line in the script"
            + (close.map { "; did you mean \($0)?" } ?? (speakers.isEmpty ? " (the script names no speakers)." : "."))
    }

    static func espeakCannotReadKanji() -> String {
        "eSpeak NG cannot read kanji: it says \"Chinese letter\" for each, so this Japanese narration will not make sense. "
            + "Use a cloud voice (--voice openai or elevenlabs:VOICE_ID), or write the narration in kana."
    }

    static func speechOutlastsClip(scene: Int, provider: ProviderID, needs: Double, maximum: Double) -> String {
        String(format: "Scene %d's narration needs %.1f s, longer than the %.0f s %@ renders at most; ", scene, needs, maximum,
               provider.displayName)
            + "its clip's last frame is held to the end of the speech."
    }
}
