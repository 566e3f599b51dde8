import Foundation

/// What kind of picture a scene asks for, which decides the provider that suits it.
public enum SceneStyle: String, Sendable, Codable {
    /// Titles, lists, statistics, calls to action, logos: text reads best on a designed card.
    case textLed = "text-led"
    /// Photoreal or cinematic motion: real places, people, camera moves.
    case cinematic
    /// Stylized or image-driven motion: animation, illustration, 3D, a reference image.
    case stylized
    /// A described picture with no strong cue either way.
    case general
    /// Nothing to show but narration.
    case narrationOnly = "narration-only"

    /// Classifies a scene from its words, with the cue that decided it.
    public static func classify(_ scene: Scene) -> (style: SceneStyle, cue: String?) {
        let visual = (scene.title + " " + scene.visual).lowercased()
        if let cue = firstCue(textLedCues, in: visual) { return (.textLed, cue) }
        if let cue = firstCue(stylizedCues, in: visual) { return (.stylized, cue) }
        if let cue = firstCue(cinematicCues, in: visual) { return (.cinematic, cue) }
        let hasVisual = !scene.visual.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        let hasText = !scene.onScreenText.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        if !hasVisual && hasText { return (.textLed, "on-screen text only") }
        if let cue = firstCue(textLedCues, in: scene.narration.lowercased()), !hasVisual { return (.textLed, cue) }
        if !hasVisual { return (.narrationOnly, nil) }
        return (.general, nil)
    }

    static let textLedCues = [
        "title card", "end card", "end screen", "lower third", "logo", "call to action", "cta ", "subscribe",
        "sign up", "link in bio", "buy now", "order now", "learn more", "visit ", "download", "bullet",
        "checklist", "list of", "top 3", "top 5", "top 10", "statistic", "stat:", "chart", "graph",
        "infographic", "text on screen", "text card", "kinetic type", "typography", "headline", "quote card",
        "price", "pricing", "discount", "% off", "coupon", "url ", ".com", "website",
    ]
    static let stylizedCues = [
        "animated", "animation", "cartoon", "anime", "illustrat", "watercolor", "sketch", "hand-drawn",
        "hand drawn", "3d render", "3d model", "cgi", "claymation", "stop motion", "stop-motion", "pixel art",
        "low poly", "isometric", "motion graphic", "stylized", "stylised", "painterly", "comic", "surreal",
        "from the image", "reference image", "product shot from", "morph", "particles",
    ]
    static let cinematicCues = [
        "cinematic", "photoreal", "realistic", "footage", "drone", "aerial", "tracking shot", "dolly",
        "slow motion", "slow-motion", "close-up", "close up", "wide shot", "establishing shot", "handheld",
        "golden hour", "sunset", "sunrise", "city", "street", "ocean", "beach", "forest", "mountain",
        "kitchen", "office", "crowd", "person", "people", "man ", "woman", "child", "family", "hands",
        "int.", "ext.", "rain", "night", "portrait", "car ", "coffee",
    ]

    /// Cues match at the start of a word ("illustrat" finds "illustration", "cta " only "CTA"); a
    /// cue starting with "." or "%" matches anywhere ("example.com", "50% off").
    private static func firstCue(_ cues: [String], in text: String) -> String? {
        // A byte search over the text with everything but letters, digits and `.%:-` as spaces: scenes are
        // classified one by one, and a 1 MB script has thousands.
        var padded: [UInt8] = [32]
        padded.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            let kept = scalar.isASCII
                ? (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ".%:-".unicodeScalars.contains(scalar))
                : (scalar.properties.isAlphabetic || scalar.properties.numericType != nil)
            if kept { padded.append(contentsOf: String(scalar).utf8) } else { padded.append(32) }
        }
        padded.append(32)
        return cues.first { cue in
            let needle = Array((cue.hasPrefix(".") || cue.hasPrefix("%") ? cue : " " + cue).utf8)
            return contains(padded, needle)
        }?.trimmingCharacters(in: .whitespaces)
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return false }
        return haystack.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { cue in
                var index = 0
                let last = hay.count - cue.count
                outer: while index <= last {
                    defer { index += 1 }
                    for offset in 0..<cue.count where hay[index + offset] != cue[offset] { continue outer }
                    return true
                }
                return false
            }
        }
    }
}
