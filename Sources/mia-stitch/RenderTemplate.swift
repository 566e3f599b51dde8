import ArgumentParser
import Foundation
import MiaPipeline

extension MiaStitch {
    struct RenderTemplate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "render-template",
            abstract: "Render one built-in template scene: a designed title card (H.264 + silent AAC, MP4).",
            discussion: "Themes: \(Theme.all.map(\.name).joined(separator: ", ")). No API key needed."
        )

        @Option(help: "The card's title.")
        var title: String

        @Option(help: "Body text under the title (wrapped to fit).")
        var text: String = ""

        @Option(help: "Length in seconds (the card has exactly fps × seconds frames).")
        var duration: Double = 5

        @Option(help: "Frame size, e.g. 1920x1080, 1080x1920, 1080x1080.")
        var size: FrameSize = FrameSize(argument: "1920x1080")!

        @Option(help: "Frames per second.")
        var fps: Int = 30

        @Option(help: "Look: \(Theme.all.map(\.name).joined(separator: ", ")).")
        var theme: String = Theme.defaultName

        @Option(help: "Brand colours as hex: background (one colour, or top,bottom for a gradient).")
        var background: String?

        @Option(name: .customLong("text-color"), help: "Title and body colour as hex, e.g. #ffffff.")
        var textColor: String?

        @Option(help: "Accent bar colour as hex.")
        var accent: String?

        @Option(help: "Font file for all text (default: DejaVu Sans from fonts-dejavu-core; $MIA_FONT also sets it).")
        var font: String?

        @Flag(name: .customLong("no-motion"), help: "No fade-in: a still card.")
        var noMotion = false

        @Option(name: .shortAndLong, help: "Output file (.mp4).")
        var output: String

        @Flag(help: "Replace OUTPUT if it exists.")
        var overwrite = false

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            do {
                var look = try Theme.named(theme)
                if let background {
                    let colours = background.split(separator: ",").map(String.init)
                    guard (1...2).contains(colours.count), let top = RGB(hex: colours[0]), let bottom = RGB(hex: colours.last!) else {
                        throw MiaError("--background takes one or two hex colours, e.g. #102040 or #102040,#000000")
                    }
                    look.backgroundTop = top
                    look.backgroundBottom = bottom
                }
                if let textColor {
                    guard let colour = RGB(hex: textColor) else { throw MiaError("--text-color takes a hex colour such as #ffffff") }
                    look.titleColor = colour
                    look.bodyColor = colour
                }
                if let accent {
                    guard let colour = RGB(hex: accent) else { throw MiaError("--accent takes a hex colour such as #ff5a36") }
                    look.accent = colour
                }
                let fontFile = font ?? ProcessInfo.processInfo.environment["MIA_FONT"]
                let card = TemplateCard(title: title, body: text, seconds: duration, width: size.width, height: size.height,
                                        fps: fps, theme: look, titleFont: fontFile, bodyFont: fontFile, motion: !noMotion)
                try TemplateRenderer(log: global.makeLog()).render(card, to: output, overwrite: overwrite)
            } catch {
                throw fail(error)
            }
        }
    }
}

/// "1920x1080"
struct FrameSize: ExpressibleByArgument {
    let width: Int
    let height: Int

    init?(argument: String) {
        guard let size = RenderLimits.frameSize(argument) else { return nil }
        width = size.width
        height = size.height
    }
}
