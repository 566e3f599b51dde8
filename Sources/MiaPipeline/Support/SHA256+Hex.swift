internal import Crypto

// swift-crypto's SHA-256 (BoringSSL on Linux, CryptoKit on Apple platforms) replaces a hand-written one:
// a well-kept library over our own code. Callers get the same lowercase hex strings as before, so script
// hashes, plan ids and speech keys are unchanged (JobStoreTests pins the standard vectors and a plan id).
extension SHA256 {
    /// The SHA-256 digest of `bytes` as 64 lowercase hex digits.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        hash(data: Array(bytes)).map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }

    /// The SHA-256 digest of `text`'s UTF-8 bytes as 64 lowercase hex digits.
    static func hex(_ text: String) -> String { hex(Array(text.utf8)) }
}
