//! Picks the compute device: WebGPU when the browser gives an adapter, else Burn's flex CPU
//! backend (or its ndarray one when asked for). The probe goes through `navigator.gpu` first so that "no WebGPU" is an ordinary
//! answer, never a panic inside wgpu.

use burn::prelude::Device;
use js_sys::{Function, Promise, Reflect};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::send::scope;
use crate::protocol::BackendKind;
use crate::protocol::helper::CpuBackend;
use crate::settings::BackendChoice;

#[derive(Clone)]
pub struct Chosen {
    pub device: Device,
    pub kind: BackendKind,
    /// The CPU backend, for the CPU helpers of a data-parallel run (unused on WebGPU).
    pub cpu: CpuBackend,
    /// Human-readable description, such as the adapter's name.
    pub label: String,
    /// Set when the request could not be honoured (WebGPU asked for, CPU given).
    pub warning: Option<String>,
}

thread_local! {
    // wgpu's runtime can be initialised once per worker; later runs reuse the device.
    static WEBGPU: RefCell<Option<(Device, String)>> = const { RefCell::new(None) };
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Asks the browser for an adapter; `Ok(description)` when one exists.
async fn probe_adapter() -> Result<String, String> {
    let gpu = get(&scope().navigator(), "gpu");
    if gpu.is_undefined() || gpu.is_null() {
        return Err("this browser exposes no WebGPU (navigator.gpu is missing)".into());
    }
    let request: Function =
        get(&gpu, "requestAdapter").dyn_into().map_err(|_| "navigator.gpu.requestAdapter is missing")?;
    let promise: Promise = request.call0(&gpu).map_err(|e| format!("requestAdapter failed: {e:?}"))?.unchecked_into();
    let adapter = JsFuture::from(promise).await.map_err(|e| format!("requestAdapter failed: {e:?}"))?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("the browser has WebGPU but gave no adapter (no usable GPU, or WebGPU is disabled)".into());
    }
    let info = get(&adapter, "info");
    let mut label = ["vendor", "architecture", "description"]
        .iter()
        .filter_map(|k| get(&info, k).as_string().filter(|s| !s.is_empty()))
        .collect::<Vec<_>>()
        .join(" ");
    if get(&info, "isFallbackAdapter").as_bool() == Some(true)
        || get(&adapter, "isFallbackAdapter").as_bool() == Some(true)
    {
        label.push_str(" (software fallback adapter)");
    }
    Ok(if label.trim().is_empty() { "WebGPU adapter".into() } else { label })
}

async fn webgpu() -> Result<(Device, String), String> {
    if let Some(found) = WEBGPU.with(|w| w.borrow().clone()) {
        return Ok(found);
    }
    let label = probe_adapter().await?;
    let device =
        Device::wgpu_options().init_async().await.map_err(|e| format!("WebGPU device could not be started: {e:?}"))?;
    WEBGPU.with(|w| *w.borrow_mut() = Some((device.clone(), label.clone())));
    Ok((device, label))
}

/// The device of one of Burn's CPU backends.
pub fn cpu_device(backend: CpuBackend) -> Device {
    match backend {
        CpuBackend::Flex => Device::flex(),
        // Deprecated in Burn 0.22 in favour of flex; kept selectable to measure the two.
        #[allow(deprecated)]
        CpuBackend::NdArray => Device::ndarray(),
    }
}

fn cpu(backend: CpuBackend, warning: Option<String>) -> Chosen {
    let label = match backend {
        CpuBackend::Flex => "CPU (Burn flex, WebAssembly)",
        CpuBackend::NdArray => "CPU (Burn ndarray, WebAssembly)",
    };
    Chosen { device: cpu_device(backend), kind: BackendKind::Cpu, cpu: backend, label: label.into(), warning }
}

pub async fn choose(choice: BackendChoice) -> Chosen {
    match choice {
        BackendChoice::Cpu => cpu(CpuBackend::Flex, None),
        BackendChoice::NdArray => cpu(CpuBackend::NdArray, None),
        BackendChoice::Auto | BackendChoice::WebGpu => match webgpu().await {
            Ok((device, label)) => {
                let (kind, cpu, label) = (BackendKind::WebGpu, CpuBackend::Flex, format!("WebGPU: {label}"));
                Chosen { device, kind, cpu, label, warning: None }
            }
            Err(why) if choice == BackendChoice::WebGpu => {
                let why = format!("WebGPU was requested but is not available: {why}. Training on the CPU instead.");
                cpu(CpuBackend::Flex, Some(why))
            }
            Err(_) => cpu(CpuBackend::Flex, None),
        },
    }
}
