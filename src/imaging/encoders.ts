import type { Sharp } from 'sharp';
import type { OutputFormat, Preset } from '../domain/preset.js';

/** Thumbsmith's encoder defaults, used when a preset leaves `quality`/`effort` unset. */
export const ENCODER_DEFAULTS = {
  jpeg: { quality: 80 },
  webp: { quality: 80, effort: 4 },
  avif: { quality: 50, effort: 4 },
  png: { compressionLevel: 6 },
  gif: { effort: 7 },
} as const;

/** JPEG keeps full-resolution chroma from this quality up; below it 4:2:0 saves about a fifth of the bytes. */
export const JPEG_FULL_CHROMA_QUALITY = 90;

/**
 * Applies the preset's encoder. Metadata is never copied (sharp strips EXIF, GPS, XMP, IPTC, comments and ICC by
 * default); `keepIcc` attaches an sRGB profile, which is what the pixels are in.
 */
export function encode(image: Sharp, format: OutputFormat, preset: Preset): Sharp {
  const { quality, effort } = preset;
  const encoded = (() => {
    switch (format) {
      case 'jpeg': {
        const q = quality ?? ENCODER_DEFAULTS.jpeg.quality;
        // mozjpeg: trellis quantisation, overshoot deringing, optimised progressive scans.
        const chromaSubsampling = q >= JPEG_FULL_CHROMA_QUALITY ? '4:4:4' : '4:2:0';
        return image.jpeg({ quality: q, mozjpeg: true, chromaSubsampling });
      }
      case 'webp':
        return image.webp({
          quality: quality ?? ENCODER_DEFAULTS.webp.quality,
          effort: effort ?? ENCODER_DEFAULTS.webp.effort,
        });
      case 'avif':
        return image.avif({
          quality: quality ?? ENCODER_DEFAULTS.avif.quality,
          effort: effort ?? ENCODER_DEFAULTS.avif.effort,
        });
      case 'png':
        // Lossless truecolour; a preset's effort (1-10) is the zlib level, capped at 9.
        return image.png({
          compressionLevel: Math.min(9, Math.max(0, effort ?? ENCODER_DEFAULTS.png.compressionLevel)),
          palette: false,
        });
      case 'gif':
        return image.gif({ effort: effort ?? ENCODER_DEFAULTS.gif.effort });
    }
  })();
  return preset.keepIcc ? encoded.withIccProfile('srgb') : encoded;
}
