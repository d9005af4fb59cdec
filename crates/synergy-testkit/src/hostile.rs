//! Hostile spreadsheets for tests, made in milliseconds: a workbook whose two cells sit
//! at opposite corners of the sheet, and zip bombs — workbooks with one part that
//! inflates to gigabytes from a few megabytes.
//!
//! Deflating gigabytes takes minutes in a debug build, so a bomb's part is assembled from
//! deflate blocks made once: one megabyte of a repeated byte, compressed after a sync
//! flush, decodes the same after any run of that byte (its back-references reach only
//! into the run), so it is repeated as often as the size asks. The zip container around
//! it is written here with the CRC-32 combined per block, so the archive is valid in
//! every byte, as a real bomb would be.

use std::io::Read as _;

use anyhow::{Context as _, ensure};
use flate2::{Compress, Compression, FlushCompress, Status};

const BLOCK: usize = 1 << 20;

/// A workbook with text in A1 (`brand`) and in XFD1048576, the last cell of a sheet: read
/// as a dense range, 2^34 cells.
pub fn corners_xlsx() -> anyhow::Result<Vec<u8>> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "brand")?;
    sheet.write_string(1_048_575, 16_383, "far away")?;
    Ok(workbook.save_to_buffer()?)
}

/// A small catalogue workbook (header and one row) whose cell B2 holds a shared string of
/// `megabytes` MiB of the letter `a`: a reader that keeps shared strings in memory holds
/// all of it.
pub fn shared_string_bomb_xlsx(megabytes: u64) -> anyhow::Result<Vec<u8>> {
    const MARK: &str = "BOMB-GOES-HERE";
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, name) in ["brand", "sku", "name", "price_class", "guide_price_yuan"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *name)?;
    }
    sheet.write_string(1, 0, "hongyun")?;
    sheet.write_string(1, 1, MARK)?;
    let book = workbook.save_to_buffer()?;
    let name = "xl/sharedStrings.xml";
    let mut xml = String::new();
    zip::ZipArchive::new(std::io::Cursor::new(&book[..]))?
        .by_name(name)?
        .read_to_string(&mut xml)?;
    let (head, tail) = xml
        .split_once(MARK)
        .context("the marker is among the shared strings")?;
    let strings = Part::deflated_run(name, head.as_bytes(), b'a', megabytes, tail.as_bytes())?;
    replace_part(&book, strings)
}

/// One entry of a zip archive, already compressed.
#[derive(Debug, Clone)]
struct Part {
    name: String,
    method: u16,
    crc: u32,
    compressed: Vec<u8>,
    size: u64,
}

fn deflate(c: &mut Compress, mut input: &[u8], flush: FlushCompress) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() / 4 + 4096);
    loop {
        let before = c.total_in();
        let status = c.compress_vec(input, &mut out, flush)?;
        input = &input[usize::try_from(c.total_in() - before)?..];
        let done = match flush {
            FlushCompress::Finish => status == Status::StreamEnd,
            _ => input.is_empty() && out.len() < out.capacity(),
        };
        if done {
            return Ok(out);
        }
        out.reserve(out.capacity().max(4096));
    }
}

impl Part {
    /// `head`, `megabytes` MiB of `fill`, `tail`, as one deflated part.
    fn deflated_run(
        name: &str,
        head: &[u8],
        fill: u8,
        megabytes: u64,
        tail: &[u8],
    ) -> anyhow::Result<Part> {
        ensure!(megabytes >= 2, "a run of at least two blocks");
        let block = vec![fill; BLOCK];
        let mut c = Compress::new(Compression::best(), false);
        let head_z = deflate(&mut c, head, FlushCompress::Sync)?;
        let first_z = deflate(&mut c, &block, FlushCompress::Sync)?;
        // Made after a full block of the run: decodes the same after any run of it.
        let repeat_z = deflate(&mut c, &block, FlushCompress::Sync)?;
        let tail_z = deflate(&mut c, tail, FlushCompress::Finish)?;

        let crc_of = |bytes: &[u8]| {
            let mut h = crc32fast::Hasher::new();
            h.update(bytes);
            h
        };
        let block_crc = crc_of(&block);
        let mut crc = crc_of(head);
        let mut compressed = head_z;
        compressed.extend_from_slice(&first_z);
        crc.combine(&block_crc);
        for _ in 1..megabytes {
            compressed.extend_from_slice(&repeat_z);
            crc.combine(&block_crc);
        }
        compressed.extend_from_slice(&tail_z);
        crc.combine(&crc_of(tail));
        let size = head.len() as u64 + megabytes * BLOCK as u64 + tail.len() as u64;
        ensure!(size < u64::from(u32::MAX), "no zip64 here");
        Ok(Part {
            name: name.to_owned(),
            method: 8,
            crc: crc.finalize(),
            compressed,
            size,
        })
    }
}

/// `book` with its part of `part`'s name replaced (or added), every other part copied as
/// it was compressed.
fn replace_part(book: &[u8], part: Part) -> anyhow::Result<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(book))?;
    let mut parts = Vec::new();
    for i in 0..archive.len() {
        let mut raw = archive.by_index_raw(i)?;
        let name = raw.name()?.into_owned();
        if name == part.name {
            continue;
        }
        let method = match raw.compression() {
            zip::CompressionMethod::Stored => 0,
            zip::CompressionMethod::Deflated => 8,
            other => anyhow::bail!("part {name} is compressed with {other:?}"),
        };
        let (crc, size) = (raw.crc32(), raw.size());
        let mut compressed = Vec::new();
        raw.read_to_end(&mut compressed)?;
        parts.push(Part {
            name,
            method,
            crc,
            compressed,
            size,
        });
    }
    parts.push(part);
    write_zip(&parts)
}

fn write_zip(parts: &[Part]) -> anyhow::Result<Vec<u8>> {
    fn u16le(out: &mut Vec<u8>, v: u16) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    fn u32le(out: &mut Vec<u8>, v: u32) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    for p in parts {
        let offset = u32::try_from(out.len()).context("archive over 4 GiB")?;
        let csize = u32::try_from(p.compressed.len()).context("part over 4 GiB")?;
        let size = u32::try_from(p.size).context("part over 4 GiB")?;
        let name_len = u16::try_from(p.name.len())?;
        // Local header: version 2.0, no flags, DOS time 1980-01-01 00:00.
        u32le(&mut out, 0x0403_4b50);
        for v in [20, 0, p.method, 0, 0x21] {
            u16le(&mut out, v);
        }
        for v in [p.crc, csize, size] {
            u32le(&mut out, v);
        }
        u16le(&mut out, name_len);
        u16le(&mut out, 0);
        out.extend_from_slice(p.name.as_bytes());
        out.extend_from_slice(&p.compressed);
        // Central directory entry.
        u32le(&mut central, 0x0201_4b50);
        for v in [20, 20, 0, p.method, 0, 0x21] {
            u16le(&mut central, v);
        }
        for v in [p.crc, csize, size] {
            u32le(&mut central, v);
        }
        for v in [name_len, 0, 0, 0, 0] {
            u16le(&mut central, v);
        }
        u32le(&mut central, 0);
        u32le(&mut central, offset);
        central.extend_from_slice(p.name.as_bytes());
    }
    let cd_offset = u32::try_from(out.len())?;
    let cd_size = u32::try_from(central.len())?;
    let count = u16::try_from(parts.len())?;
    out.extend_from_slice(&central);
    u32le(&mut out, 0x0605_4b50);
    for v in [0, 0, count, count] {
        u16le(&mut out, v);
    }
    u32le(&mut out, cd_size);
    u32le(&mut out, cd_offset);
    u16le(&mut out, 0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bomb_is_a_valid_archive_that_inflates_to_its_size() {
        let book = shared_string_bomb_xlsx(64).unwrap();
        assert!(book.len() < 128 * 1024, "{} bytes", book.len());
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&book[..])).unwrap();
        let mut part = archive.by_name("xl/sharedStrings.xml").unwrap();
        let mut inflated = Vec::new();
        // read_to_end checks the CRC-32 at the end of the part.
        part.read_to_end(&mut inflated).unwrap();
        assert_eq!(inflated.len() as u64, part.size());
        assert!(inflated.len() > 64 << 20);
        let text = String::from_utf8(inflated).unwrap();
        assert!(
            text.contains("<t>hongyun</t><t>aaaa") || text.contains("aaaa</t>"),
            "{}",
            &text[..300]
        );
        assert!(text.ends_with("</sst>"), "{}", &text[text.len() - 100..]);
    }

    #[test]
    fn corners_are_a_small_file() {
        let book = corners_xlsx().unwrap();
        assert!(book.len() < 8 * 1024, "{} bytes", book.len());
    }
}
