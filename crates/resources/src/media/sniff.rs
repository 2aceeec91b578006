//! What an upload is, read from its bytes: the client's file name and declared type are not
//! trusted. Images also give their dimensions, from the header alone.

/// The accepted kinds of file and what they are served as.
const ACCEPTED: &[(imagesize::ImageType, &str)] = &[
    (imagesize::ImageType::Jpeg, "image/jpeg"),
    (imagesize::ImageType::Png, "image/png"),
    (imagesize::ImageType::Gif, "image/gif"),
    (imagesize::ImageType::Webp, "image/webp"),
];

/// An accepted file's type and, for images, width and height.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sniffed {
    pub content_type: &'static str,
    pub dimensions: Option<(u32, u32)>,
}

/// `None` for anything but JPEG, PNG, GIF, WebP and PDF (SVG and HTML could carry scripts).
pub fn sniff(bytes: &[u8]) -> Option<Sniffed> {
    if bytes.starts_with(b"%PDF-") {
        return Some(Sniffed {
            content_type: "application/pdf",
            dimensions: None,
        });
    }
    let kind = imagesize::image_type(bytes).ok()?;
    let content_type = ACCEPTED.iter().find(|(k, _)| *k == kind)?.1;
    let size = imagesize::blob_size(bytes).ok()?;
    let dimensions = (u32::try_from(size.width).ok()?, u32::try_from(size.height).ok()?);
    if dimensions.0 == 0 || dimensions.1 == 0 {
        return None;
    }
    Some(Sniffed {
        content_type,
        dimensions: Some(dimensions),
    })
}

/// Small valid files, for tests and examples that upload something.
pub mod samples {
    /// A valid 3×2 PNG (red pixels).
    pub const PNG_3X2: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00,
        0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0x12, 0x16, 0xF1, 0x4D, 0x00,
        0x00, 0x00, 0x12, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0x00, 0x44, 0x0C, 0x0C,
        0x70, 0x1A, 0x00, 0x4E, 0x12, 0x05, 0xFB, 0x1E, 0x8C, 0x0B, 0x8F, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
        0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_by_their_bytes() {
        assert_eq!(
            sniff(samples::PNG_3X2),
            Some(Sniffed {
                content_type: "image/png",
                dimensions: Some((3, 2)),
            })
        );
        let gif = b"GIF89a\x10\x00\x20\x00\x80\x00\x00";
        assert_eq!(sniff(gif).and_then(|s| s.dimensions), Some((16, 32)));
        assert_eq!(
            sniff(b"%PDF-1.7\n").map(|s| s.content_type),
            Some("application/pdf")
        );
        assert_eq!(sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), None);
        assert_eq!(sniff(b"<html><script>alert(1)</script>"), None);
        assert_eq!(sniff(b""), None);
    }
}
