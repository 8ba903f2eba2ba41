//! `Settings` from any URL query: never a panic, what parses writes back to the same, and
//! what the page keeps of a query with bad values is valid settings.
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
    // The page's parse: whatever it keeps is valid settings, and it refuses nothing the
    // strict parse takes.
    let (kept, refused) = Settings::from_query_lenient(&query);
    assert_eq!(Settings::from_query(&kept.to_query()), Ok(kept.clone()));
    assert_eq!(refused.is_empty(), Settings::from_query(&query) == Ok(kept));
});
