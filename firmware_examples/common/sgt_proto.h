/* sgt_proto: decoder for sgt-lite's serial frames, portable C99 (Arduino, RP2040, host).
 *
 * Frame: 0xA5 | seq | n | n x int16 LE centi-degrees | CRC-16/CCITT-FALSE LE over seq..payload
 *
 *   SgtProtoDecoder dec;
 *   SgtProtoInit(&dec);
 *   for each received byte b:
 *     if (SgtProtoFeed(&dec, b)) { use dec.seq, dec.count, dec.centideg[0..count-1] }
 *
 * No allocation, no globals; the decoder owns a fixed buffer. Values stay valid until
 * the next call of SgtProtoFeed. Corrupted or truncated frames are skipped and counted
 * in crc_errors; decoding resynchronises on the next valid frame. */
#ifndef SGT_PROTO_H_
#define SGT_PROTO_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SGT_PROTO_SYNC 0xA5
#define SGT_PROTO_MAX_CHANNELS 16
#define SGT_PROTO_MAX_FRAME (3 + 2 * SGT_PROTO_MAX_CHANNELS + 2)

typedef struct {
  uint8_t buf[SGT_PROTO_MAX_FRAME];
  uint8_t len;                       /* bytes held in buf */
  uint8_t seq;                       /* last good frame */
  uint8_t count;
  int16_t centideg[SGT_PROTO_MAX_CHANNELS];
  uint32_t frames;
  uint32_t crc_errors;
} SgtProtoDecoder;

uint16_t SgtProtoCrc16(const uint8_t* data, uint16_t len);
void SgtProtoInit(SgtProtoDecoder* dec);
/* Returns 1 when this byte completed a valid frame (then seq/count/centideg hold it). */
int SgtProtoFeed(SgtProtoDecoder* dec, uint8_t byte);

#ifdef __cplusplus
}
#endif

#endif
