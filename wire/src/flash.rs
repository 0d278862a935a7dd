//! The weight image in the board's SPI flash (docs/host-link.md, "Flash image"):
//! the magic `ASNW`, the design id (little-endian), the SPRAM layers' words in plan
//! order (each word little-endian in whole bytes), and a 16-bit sum of the data bytes.

/// The image's first four bytes.
pub const MAGIC: [u8; 4] = *b"ASNW";
/// Bytes before the data: magic and design id.
pub const HEADER_LEN: usize = 8;
/// Bytes after the data: the checksum.
pub const CHECKSUM_LEN: usize = 2;

/// The 16-bit wrapping sum of the data bytes.
pub fn checksum(data: &[u8]) -> u16 {
    data.iter().fold(0u16, |s, &b| s.wrapping_add(u16::from(b)))
}

/// The whole image for `design_id` around `data`.
pub fn image(design_id: u32, data: &[u8]) -> Vec<u8> {
    let mut img = Vec::with_capacity(HEADER_LEN + data.len() + CHECKSUM_LEN);
    img.extend_from_slice(&MAGIC);
    img.extend_from_slice(&design_id.to_le_bytes());
    img.extend_from_slice(data);
    img.extend_from_slice(&checksum(data).to_le_bytes());
    img
}

/// The magic as the loader compares it, a 32-bit Verilog hex constant read
/// little-endian (first byte lowest): `574E5341`.
pub fn magic_hex_le() -> String {
    format!("{:08X}", u32::from_le_bytes(MAGIC))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_is_magic_id_data_and_sum() {
        let img = image(0x1234_5678, &[1, 2, 255]);
        assert_eq!(
            img,
            vec![b'A', b'S', b'N', b'W', 0x78, 0x56, 0x34, 0x12, 1, 2, 255, 2, 1]
        );
        assert_eq!(magic_hex_le(), "574E5341");
    }
}
