#include "sgt_proto.h"

#include <string.h>

uint16_t SgtProtoCrc16(const uint8_t* data, uint16_t len) {
  uint16_t crc = 0xFFFF;
  uint16_t i;
  int b;
  for (i = 0; i < len; ++i) {
    crc ^= (uint16_t)data[i] << 8;
    for (b = 0; b < 8; ++b) crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
  }
  return crc;
}

void SgtProtoInit(SgtProtoDecoder* dec) { memset(dec, 0, sizeof(*dec)); }

/* Drops the first byte and rescans what is left for the next sync byte. */
static void Resync(SgtProtoDecoder* dec) {
  uint8_t i;
  for (i = 1; i < dec->len; ++i)
    if (dec->buf[i] == SGT_PROTO_SYNC) break;
  memmove(dec->buf, dec->buf + i, (size_t)(dec->len - i));
  dec->len = (uint8_t)(dec->len - i);
}

/* Checks the buffer; returns 1 on a complete valid frame, 0 if more bytes are needed,
 * -1 if the buffer start cannot be a frame (caller resyncs). */
static int Check(SgtProtoDecoder* dec) {
  uint8_t n, size, i;
  uint16_t crc;
  if (dec->len == 0) return 0;
  if (dec->buf[0] != SGT_PROTO_SYNC) return -1;
  if (dec->len < 3) return 0;
  n = dec->buf[2];
  if (n == 0 || n > SGT_PROTO_MAX_CHANNELS) return -1;
  size = (uint8_t)(3 + 2 * n + 2);
  if (dec->len < size) return 0;
  crc = (uint16_t)(dec->buf[size - 2] | (dec->buf[size - 1] << 8));
  if (crc != SgtProtoCrc16(dec->buf + 1, (uint16_t)(2 + 2 * n))) {
    dec->crc_errors++;
    return -1;
  }
  dec->seq = dec->buf[1];
  dec->count = n;
  for (i = 0; i < n; ++i)
    dec->centideg[i] = (int16_t)(uint16_t)(dec->buf[3 + 2 * i] | (dec->buf[4 + 2 * i] << 8));
  dec->frames++;
  memmove(dec->buf, dec->buf + size, (size_t)(dec->len - size));
  dec->len = (uint8_t)(dec->len - size);
  return 1;
}

int SgtProtoFeed(SgtProtoDecoder* dec, uint8_t byte) {
  int status, got = 0;
  if (dec->len == 0 && byte != SGT_PROTO_SYNC) return 0;
  dec->buf[dec->len++] = byte;
  for (;;) {
    status = Check(dec);
    if (status == 1) {
      got = 1;
      continue;            /* bytes after a frame may already start the next one */
    }
    if (status == -1) {
      Resync(dec);
      continue;
    }
    return got;
  }
}
