//! Device profiles: the key the device detectors and the generator's labels compare devices by
//! (core's, which names the device of a `bot_device` reason in the extension too).

pub use facesign_core::risk::device::device_profile;
