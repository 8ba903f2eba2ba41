//! `Settings` from any URL query: never a panic, and what parses writes back to the same.
#![no_main]

use fashion_cnn::settings::Settings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let query = String::from_utf8_lossy(data);
    match Settings::from_query(&query) {
        Ok(settings) => {
            let again = settings.to_query();
            assert_eq!(Settings::from_query(&again), Ok(settings), "{again}");
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
