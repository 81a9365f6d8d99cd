// Host stand-ins for what the Arduino core gives a sketch: millis() from a test clock and a
// Serial whose received bytes come from the test. Included ahead of the sketch (-include).
#ifndef SGT_ARDUINO_HOST_H_
#define SGT_ARDUINO_HOST_H_

#include <stdint.h>

unsigned long millis();

class HostSerial {
 public:
  void begin(long baud) { (void)baud; }
  int available();
  int read();
};

extern HostSerial Serial;

#endif
