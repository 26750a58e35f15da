// The few bytes of audio a recording's URL answers: enough for a player (or a test) to see
// audio of the announced type, nothing to listen to.

/** One silent MPEG-1 Layer III frame: 128 kbit/s, 44.1 kHz, stereo (417 bytes). */
function mp3(): Uint8Array {
  const frame = new Uint8Array(417);
  frame.set([0xff, 0xfb, 0x90, 0x64]);
  return frame;
}

/** A WAV file of 0.1 s of silence: 8 kHz, 16-bit, mono PCM. */
function wav(): Uint8Array {
  const samples = 800;
  const bytes = new Uint8Array(44 + samples * 2);
  const view = new DataView(bytes.buffer);
  const text = (at: number, value: string) =>
    [...value].forEach((char, i) => view.setUint8(at + i, char.charCodeAt(0)));
  text(0, 'RIFF');
  view.setUint32(4, 36 + samples * 2, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, 8000, true);
  view.setUint32(28, 16_000, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  text(36, 'data');
  view.setUint32(40, samples * 2, true);
  return bytes;
}

export type AudioFormat = 'mp3' | 'wav';

/** A recording's audio in `format`, and its `content-type`. */
export function audioOf(format: AudioFormat): { bytes: Uint8Array; contentType: string } {
  return format === 'mp3'
    ? { bytes: mp3(), contentType: 'audio/mpeg' }
    : { bytes: wav(), contentType: 'audio/x-wav' };
}
