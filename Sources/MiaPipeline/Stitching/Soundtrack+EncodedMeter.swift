import Foundation
import MiaFFmpeg

extension Soundtrack {
    /// The written track heard back: each AAC packet decoded as it goes to the muxer and metered, so
    /// the figures include what the coding did to the peaks. One packet's audio is all it holds.
    final class EncodedMeter {
        private let decoder: Decoder
        private let graph: FilterGraph
        private let format: NormalizeTarget.Audio
        private let decoded = Frame(), metered = Frame()
        private var loudness = Loudness()

        init(encoder: Encoder, graph: FilterGraph, format: NormalizeTarget.Audio) throws {
            decoder = try Decoder(decoding: encoder)
            self.graph = graph
            self.format = format
        }

        func send(_ packet: Packet?) throws {
            try decoder.send(packet)
            while case .value = try decoder.receive(into: decoded) {
                try graph.push(decoded)
                try drain()
            }
        }

        func finish() throws -> Loudness {
            try send(nil)
            // ebur128 reports at every 100 ms: a little silence carries the last peaks out (and is gated away).
            try graph.push(Frame.silence(samples: format.sampleRate / 10 + 1, rate: format.sampleRate, channels: format.channels))
            try graph.push(nil)
            try drain()
            return loudness
        }

        private func drain() throws {
            while case .value = try graph.pull(into: metered) { loudness.read(metered, channels: format.channels) }
        }
    }
}
