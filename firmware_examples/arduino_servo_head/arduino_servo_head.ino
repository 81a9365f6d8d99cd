// sgt-lite servo head for an Arduino (Uno, Nano, Mega...): reads sgt-lite serial frames
// (firmware_examples/common/sgt_proto.c, linked into this sketch folder) and drives up to
// six hobby servos. Run on the host:
//   sgt-lite demo --head serial:/dev/ttyUSB0 --profile neck3_eyes2_lids
// Channel order = the profile's joint order. A watchdog eases every servo back to its
// neutral angle when no valid frame arrives for more than 500 ms.
#include <Servo.h>

extern "C" {
#include "sgt_proto.h"
}

const uint8_t kPins[] = {3, 5, 6, 9, 10, 11};          // PWM pins, one per channel
const uint8_t kChannels = sizeof(kPins);
const float kNeutralDeg[kChannels] = {0, 0, 0, 0, 0, 0};
const float kServoCentreDeg = 90.0;                    // servo angle for a joint angle of 0
const unsigned long kWatchdogMs = 500;
const float kEaseDegPerTick = 0.5;                     // easing speed to neutral, per 5 ms

Servo servos[kChannels];
SgtProtoDecoder decoder;
float current[kChannels];
unsigned long lastFrameMs = 0;
unsigned long lastEaseMs = 0;

static void writeJoint(uint8_t ch, float jointDeg) {
  current[ch] = jointDeg;
  float servoDeg = kServoCentreDeg + jointDeg;
  if (servoDeg < 0) servoDeg = 0;
  if (servoDeg > 180) servoDeg = 180;
  servos[ch].write((int)(servoDeg + 0.5f));
}

void setup() {
  Serial.begin(115200);
  SgtProtoInit(&decoder);
  for (uint8_t ch = 0; ch < kChannels; ++ch) {
    servos[ch].attach(kPins[ch]);
    writeJoint(ch, kNeutralDeg[ch]);
  }
  lastFrameMs = millis();
}

void loop() {
  while (Serial.available() > 0) {
    if (SgtProtoFeed(&decoder, (uint8_t)Serial.read())) {
      uint8_t n = decoder.count < kChannels ? decoder.count : kChannels;
      for (uint8_t ch = 0; ch < n; ++ch) writeJoint(ch, decoder.centideg[ch] / 100.0f);
      lastFrameMs = millis();
    }
  }
  unsigned long now = millis();
  if (now - lastFrameMs > kWatchdogMs && now - lastEaseMs >= 5) {   // watchdog: ease to neutral
    lastEaseMs = now;
    for (uint8_t ch = 0; ch < kChannels; ++ch) {
      float d = kNeutralDeg[ch] - current[ch];
      if (d > kEaseDegPerTick) d = kEaseDegPerTick;
      if (d < -kEaseDegPerTick) d = -kEaseDegPerTick;
      if (d != 0) writeJoint(ch, current[ch] + d);
    }
  }
}
