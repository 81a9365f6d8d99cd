// Host stand-in for the Arduino Servo library (the hardware edge of the sketch under test):
// remembers the last pulse each servo was given.
#ifndef SGT_HOST_SERVO_H_
#define SGT_HOST_SERVO_H_

class Servo {
 public:
  Servo() : pin(-1), us(0) {}
  void attach(int p) { pin = p; }
  void writeMicroseconds(int value) { us = value; }
  void write(int deg) { us = 544 + deg * (2400 - 544) / 180; }   // the library's default mapping
  int pin, us;
};

#endif
