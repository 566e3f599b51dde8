import Foundation
import Testing
@testable import MiaPipeline

/// Complex-script text on template cards: the shaped glyphs themselves (HarfBuzz) and their order
/// (FriBidi), not only that something renders. Before shaping, cards drew each character's isolated
/// glyph, left to right in code-point order, and these tests fail there.
@Suite struct TextShapingTests {
    /// A style with the title font and the script fallbacks, at a size where shapes are distinct.
    private func makeStyle() throws -> TextStyle {
        let library = try FontLibrary()  // each face keeps it alive
        let faces = try ([Theme.boldFont] + Theme.scriptFallbackFonts).map { try FontFace(library: library, path: $0) }
        return TextStyle(faces: faces, size: 48)
    }

    /// The text as one wrapped line (so its direction is the one the paragraph resolves to).
    private func line(_ text: String, _ style: TextStyle) throws -> ShapedLine {
        let lines = style.wrap(text, maxWidth: 100_000)
        try #require(lines.count == 1)
        return style.layout(lines[0])
    }

    /// Clusters (logical character indices) of the glyphs from left to right.
    private func visualClusters(_ line: ShapedLine) -> [Int] { line.glyphs.map(\.cluster) }

    @Test func arabicLettersJoinIntoContextualForms() throws {
        let style = try makeStyle()
        let word = "سلام"
        let shaped = try line(word, style)
        #expect(shaped.direction == .rightToLeft)
        #expect(shaped.missing.isEmpty)
        let isolated = word.unicodeScalars.map { scalar in
            style.layout(TextLine(text: String(scalar), direction: .rightToLeft)).glyphs.map(\.id)
        }
        // Seen leads the word: its initial form, not the isolated one.
        let seen = try #require(shaped.glyphs.first { $0.cluster == 0 })
        #expect(seen.id != isolated[0].first)
        // Lam + alef become the obligatory lam-alef ligature: fewer glyphs than letters.
        #expect(shaped.glyphs.count == 3)
        #expect(!shaped.glyphs.contains { $0.cluster == 2 })
        // Drawn right to left: the first letter rightmost.
        #expect(visualClusters(shaped) == [3, 1, 0])
    }

    @Test func hebrewIsDrawnRightToLeft() throws {
        let style = try makeStyle()
        let shaped = try line("שלום", style)
        #expect(shaped.direction == .rightToLeft)
        #expect(visualClusters(shaped) == [3, 2, 1, 0])
        let xs = shaped.glyphs.map(\.x)
        #expect(xs == xs.sorted())
    }

    @Test func aMixedLineKeepsItsLeftToRightPartsInOrder() throws {
        let style = try makeStyle()
        let shaped = try line("Hello שלום 123", style)
        #expect(shaped.direction == .leftToRight)
        // "Hello " stays first, the Hebrew word reads right to left, and the number after it
        // (which the bidi rules put inside the right-to-left run) keeps its digits left to right.
        #expect(visualClusters(shaped) == [0, 1, 2, 3, 4, 5, 11, 12, 13, 10, 9, 8, 7, 6])
        // A right-to-left paragraph orders the same text the other way round.
        let rtl = try line("שלום Hello", style)
        #expect(rtl.direction == .rightToLeft)
        #expect(visualClusters(rtl) == [5, 6, 7, 8, 9, 4, 3, 2, 1, 0])
    }

    @Test func hindiShapesWithConjunctsInADevanagariFont() throws {
        let style = try makeStyle()
        let word = "नमस्ते"
        let shaped = try line(word, style)
        #expect(shaped.missing.isEmpty)
        #expect(shaped.glyphs.allSatisfy { $0.face.path.hasSuffix("Lohit-Devanagari.ttf") && $0.id != 0 })
        // स + virama + त form a conjunct: fewer glyphs than characters.
        #expect(shaped.glyphs.count < word.unicodeScalars.count)
        // The short i matra is written after its consonant but drawn before it.
        let ki = try line("कि", style)
        let ka = style.layout(TextLine(text: "क", direction: .leftToRight))
        #expect(ki.glyphs.count == 2)
        #expect(ki.glyphs.first?.id != ka.glyphs.first?.id)
        #expect(ki.glyphs.last?.id == ka.glyphs.first?.id)
    }

    @Test func thaiRendersWithAThaiFont() throws {
        let style = try makeStyle()
        let shaped = try line("สวัสดี", style)
        #expect(shaped.missing.isEmpty)
        #expect(shaped.glyphs.count == 6)
        #expect(shaped.glyphs.allSatisfy { $0.face.path.hasSuffix("Loma.ttf") && $0.id != 0 })
        // The vowel marks above (mai han-akat, sara ii) sit on their consonant: no advance of their
        // own, and HarfBuzz merges each into its consonant's cluster.
        #expect(visualClusters(shaped) == [0, 1, 1, 3, 4, 4])
        #expect(shaped.glyphs.map { $0.advance == 0 } == [false, false, true, false, false, true])
    }

    @Test func latinKeepsItsOrderAndWidth() throws {
        let style = try makeStyle()
        let shaped = try line("Visible words", style)
        #expect(visualClusters(shaped) == Array(0..<13))
        // Shaped advances are the hinted ones, plus GPOS kerning: within a few pixels of the sum of
        // the glyphs' own advances.
        let plain = shaped.glyphs.compactMap { $0.face.glyph(id: $0.id)?.advance }.reduce(0, +)
        #expect(abs(shaped.advance - plain) <= 4 * 64)
    }

    @Test func anArabicCardDrawsItsTitleRightToLeft() throws {
        let title = "سلام عليكم"
        let painter = try CardPainter(width: 640, height: 360, theme: try Theme.named("midnight"), title: title, body: "",
                                      titleFont: Theme.boldFont, bodyFont: Theme.regularFont, fallbackFonts: Theme.fallbackFonts)
        #expect(painter.missingCharacters.isEmpty)
        let drawn = try #require(painter.titleLayout.first)
        #expect(drawn.line.direction == .rightToLeft)
        // In logical order, each glyph lies left of the one before.
        let xs = drawn.line.glyphs.sorted { $0.cluster < $1.cluster }.map(\.x)
        #expect(xs.count >= 8)
        #expect(zip(xs, xs.dropFirst()).allSatisfy { $0 > $1 }, "\(xs)")
        let bounds = try #require(painter.textBounds)
        #expect(bounds.width > 100)

        let scratch = Scratch()
        let log = CollectingLog()
        let result = try TemplateRenderer(log: log).render(TemplateCard(title: title, seconds: 1, width: 320, height: 180),
                                                           to: scratch.path("arabic.mp4"))
        #expect(result.titleLines == [title])
        #expect(!log.events.contains { $0.tag == "MIA:WARN" })
        #expect(try inkPixels(scratch.path("arabic.mp4"), width: 320, height: 180) > 300)
    }

    @Test func aScriptNoFontHasIsNamedInAWarning() throws {
        // Without the fallbacks, Devanagari has no font: the painter says which script is missing.
        let painter = try CardPainter(width: 320, height: 180, theme: try Theme.named("midnight"), title: "Hi नमस्ते", body: "",
                                      titleFont: Theme.boldFont, bodyFont: Theme.regularFont, fallbackFonts: [])
        #expect(painter.missingScripts.map(\.code) == ["Deva"])
        #expect(painter.titleLines == ["Hi नमस्ते"])
        #expect(painter.hasText)

        // Ethiopic is in none of the fonts setup installs: the render goes on, with a warning naming it.
        let scratch = Scratch()
        let log = CollectingLog()
        try TemplateRenderer(log: log).render(TemplateCard(title: "Hello ሰላም", seconds: 1, width: 320, height: 180),
                                              to: scratch.path("ethiopic.mp4"))
        let warning = try #require(log.events.first { $0.tag == "MIA:WARN" })
        #expect(warning["kind"] == .string("missing-glyphs"))
        #expect(warning["scripts"] == .string("Ethi"))
        #expect(warning["characters"] == .string("ላምሰ"))
        if case .string(let message)? = warning["message"] { #expect(message.contains("Ethiopic")) }
        #expect(try inkPixels(scratch.path("ethiopic.mp4"), width: 320, height: 180) > 100)
    }
}
