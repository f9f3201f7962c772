//! The few browser APIs the components use, each with a server twin of the same signature so
//! components never scatter `cfg` lines. They are only called after mount (in effects and event
//! handlers), never during the first render.

#[cfg(feature = "hydrate")]
mod imp {
    use wasm_bindgen::JsCast;

    pub fn now_ms() -> f64 {
        js_sys::Date::now()
    }

    /// Milliseconds on the page's own clock (`performance.now()`: fractions of a millisecond,
    /// never set back), for timing work.
    pub fn timer_ms() -> f64 {
        web_sys::window()
            .and_then(|w| w.performance())
            .map_or_else(js_sys::Date::now, |p| p.now())
    }

    /// Records `name` from `start_ms` (a [`timer_ms`]) to now in the page's performance timeline
    /// (`performance.getEntriesByName`), where the browser's profiler and the benchmarks see it.
    pub fn measure_since(name: &str, start_ms: f64) {
        let Some(performance) = web_sys::window().and_then(|w| w.performance()) else {
            return;
        };
        let options = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&options, &"start".into(), &start_ms.into());
        let _ = js_sys::Reflect::set(&options, &"end".into(), &performance.now().into());
        let measure = js_sys::Reflect::get(&performance, &"measure".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        if let Some(measure) = measure {
            let _ = measure.call2(&performance, &name.into(), &options);
        }
    }

    pub fn focus_element(id: &str) {
        let element = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(element) = element {
            let _ = element.focus();
        }
    }

    /// Focuses the element `id`; whether it was there to focus.
    pub fn focus_if_present(id: &str) -> bool {
        let element = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        element.is_some_and(|e| e.focus().is_ok())
    }

    fn element(id: &str) -> Option<web_sys::Element> {
        web_sys::window()?.document()?.get_element_by_id(id)
    }

    /// The element's scroll position and the height of what it shows: `(scrollTop,
    /// clientHeight)`.
    pub fn scroll_metrics(id: &str) -> Option<(f64, f64)> {
        element(id).map(|e| (e.scroll_top() as f64, e.client_height() as f64))
    }

    pub fn set_scroll_top(id: &str, px: f64) {
        if let Some(e) = element(id) {
            e.set_scroll_top(px.round() as i32);
        }
    }

    /// The element's height on the page (0 when it is not there).
    pub fn element_height(id: &str) -> f64 {
        element(id).map_or(0.0, |e| e.get_bounding_client_rect().height())
    }

    /// Runs `f` as a task of its own as soon as the browser has painted and handled input if
    /// it needs to: a posted message, which (unlike a zero timeout, which browsers hold back to
    /// 4 ms once nested) runs at once when nothing else waits.
    pub fn soon(f: impl FnOnce() + 'static) {
        use wasm_bindgen::closure::Closure;
        let Ok(channel) = web_sys::MessageChannel::new() else {
            leptos::prelude::set_timeout(f, std::time::Duration::ZERO);
            return;
        };
        let port = channel.port1();
        let keep = port.clone();
        let run = Closure::once_into_js(move || {
            keep.set_onmessage(None);
            f();
        });
        port.set_onmessage(Some(run.unchecked_ref()));
        let _ = channel.port2().post_message(&wasm_bindgen::JsValue::NULL);
    }

    /// A future that is ready in a task of its own (see [`soon`]): awaited by work that runs in
    /// parts, so the page paints and answers between them.
    pub fn next_task() -> impl std::future::Future<Output = ()> {
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            soon(move || {
                let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
            })
        });
        async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        }
    }

    /// The text of a paste of more than `min_len` UTF-16 code units (about as many bytes),
    /// kept out of the field it was pasted into (a textarea holding megabytes takes the
    /// browser seconds to lay out); `None` for a smaller paste, which lands as usual.
    pub fn take_large_paste(ev: &leptos::ev::ClipboardEvent, min_len: usize) -> Option<LargePaste> {
        let data = ev.clipboard_data()?;
        // As the browser's own string: `DataTransfer::get_data` would copy all of it into the
        // page's memory at once.
        let get_data: js_sys::Function = js_sys::Reflect::get(&data, &"getData".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let text: js_sys::JsString = get_data
            .call1(&data, &"text/plain".into())
            .ok()?
            .dyn_into()
            .ok()?;
        if (text.length() as usize) <= min_len {
            return None;
        }
        ev.prevent_default();
        Some(LargePaste { text, at: 0 })
    }

    /// A large paste, still a string of the browser's, copied into the page's memory a part
    /// at a time (one copy of 45 MB held the page for a tenth of a second).
    pub struct LargePaste {
        text: js_sys::JsString,
        at: u32,
    }

    impl LargePaste {
        /// The text's length in UTF-16 code units (its bytes, for ASCII text).
        pub fn units(&self) -> usize {
            self.text.length() as usize
        }

        /// Appends up to `units` more code units of the text to `out`, never splitting a
        /// surrogate pair; returns whether all of the text is in.
        pub fn read(&mut self, out: &mut String, units: u32) -> bool {
            let length = self.text.length();
            let mut end = self.at.saturating_add(units).min(length);
            let high_surrogate = |unit: f64| (f64::from(0xD800)..f64::from(0xDC00)).contains(&unit);
            if end < length && end > self.at + 1 && high_surrogate(self.text.char_code_at(end - 1))
            {
                end -= 1;
            }
            out.push_str(&String::from(self.text.slice(self.at, end)));
            self.at = end;
            end == length
        }
    }

    /// Marks the document once the wasm has taken over, so people (and browser tests) can tell
    /// a live page from server HTML.
    pub fn mark_hydrated() {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    }

    /// The text at `url` on this server (a GET; an answer other than 2xx is an error).
    pub async fn fetch_text(url: &str) -> Result<String, String> {
        use wasm_bindgen::JsCast;
        let failed = |_| format!("{url} could not be fetched");
        let window = web_sys::window().ok_or("no window")?;
        let answer = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url))
            .await
            .map_err(failed)?;
        let response: web_sys::Response = answer.dyn_into().map_err(failed)?;
        if !response.ok() {
            return Err(format!("{url} answered {}", response.status()));
        }
        let text = wasm_bindgen_futures::JsFuture::from(response.text().map_err(failed)?)
            .await
            .map_err(failed)?;
        text.as_string().ok_or_else(|| format!("{url} is not text"))
    }

    /// The bytes of a file the user picked or dropped.
    async fn file_bytes(file: web_sys::File) -> Result<Vec<u8>, String> {
        let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
            .await
            .map_err(|_| "The file could not be read.".to_string())?;
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    }

    /// The file the user picked in a file input, read in the browser: `(name, bytes)`.
    pub fn read_picked_file(
        ev: &leptos::ev::Event,
        done: impl FnOnce(String, Result<Vec<u8>, String>) + 'static,
    ) {
        let file = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        read_file(file, done);
    }

    /// The first file dropped on a drop zone.
    pub fn read_dropped_file(
        ev: &leptos::ev::DragEvent,
        done: impl FnOnce(String, Result<Vec<u8>, String>) + 'static,
    ) {
        ev.prevent_default();
        let file = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|files| files.get(0));
        read_file(file, done);
    }

    fn read_file(
        file: Option<web_sys::File>,
        done: impl FnOnce(String, Result<Vec<u8>, String>) + 'static,
    ) {
        let Some(file) = file else { return };
        let name = file.name();
        leptos::task::spawn_local(async move {
            let bytes = file_bytes(file).await;
            done(name, bytes);
        });
    }

    /// Offers text as a file download.
    pub fn download(file_name: &str, mime: &str, text: &str) {
        download_bytes(file_name, mime, text.as_bytes());
    }

    /// Offers bytes as a file download.
    pub fn download_bytes(file_name: &str, mime: &str, bytes: &[u8]) {
        let array = js_sys::Uint8Array::from(bytes);
        let parts = js_sys::Array::of1(&array);
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        else {
            return;
        };
        let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
            return;
        };
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            if let Ok(link) = document.create_element("a") {
                let link: web_sys::HtmlAnchorElement = link.unchecked_into();
                link.set_href(&url);
                link.set_download(file_name);
                link.click();
            }
        }
        let _ = web_sys::Url::revoke_object_url(&url);
    }

    pub async fn copy_text(text: &str) -> bool {
        let Some(window) = web_sys::window() else {
            return false;
        };
        let promise = window.navigator().clipboard().write_text(text);
        wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
    }

    /// Sends `parts` (name, bytes) as multipart/form-data to `url` with XMLHttpRequest, which,
    /// unlike fetch, reports upload progress: `progress(sent, total)` as the body goes out,
    /// then `done(status, body)` once (status 0 when the connection failed).
    pub fn upload_form(
        url: &str,
        parts: Vec<(&str, &str, Vec<u8>)>,
        progress: impl Fn(f64, f64) + 'static,
        done: impl FnOnce(u16, String) + 'static,
    ) {
        use wasm_bindgen::closure::Closure;
        let fail = |done: Box<dyn FnOnce(u16, String)>| done(0, String::new());
        let done: Box<dyn FnOnce(u16, String)> = Box::new(done);
        let (Ok(request), Ok(form)) = (web_sys::XmlHttpRequest::new(), web_sys::FormData::new())
        else {
            return fail(done);
        };
        for (name, file_name, bytes) in parts {
            let array = js_sys::Uint8Array::from(bytes.as_slice());
            let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence(&js_sys::Array::of1(&array))
            else {
                return fail(done);
            };
            if form
                .append_with_blob_and_filename(name, &blob, file_name)
                .is_err()
            {
                return fail(done);
            }
        }
        if request.open("POST", url).is_err() {
            return fail(done);
        }
        let on_progress =
            Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
                progress(ev.loaded(), ev.total());
            });
        if let Ok(upload) = request.upload() {
            upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        }
        on_progress.forget();
        let done = std::cell::RefCell::new(Some(done));
        let finished = request.clone();
        let on_end = Closure::<dyn Fn()>::new(move || {
            if let Some(done) = done.borrow_mut().take() {
                let status = finished.status().unwrap_or(0);
                let body = finished.response_text().ok().flatten().unwrap_or_default();
                done(status, body);
            }
        });
        request.set_onloadend(Some(on_end.as_ref().unchecked_ref()));
        on_end.forget();
        let _ = request.send_with_opt_form_data(Some(&form));
    }

    /// Gzips `bytes` with the browser's own `CompressionStream` (native code, off the page's
    /// thread); None where the browser has none or it fails, and the caller sends them as
    /// they are. Reached through `Reflect` rather than web-sys, whose binding is unstable.
    pub async fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
        use js_sys::{Array, Function, Reflect, Uint8Array};
        let global = js_sys::global();
        let constructor = |name: &str| -> Option<Function> {
            Reflect::get(&global, &name.into()).ok()?.dyn_into().ok()
        };
        let compressor = Reflect::construct(
            &constructor("CompressionStream")?,
            &Array::of1(&"gzip".into()),
        )
        .ok()?;
        let array = Uint8Array::from(bytes);
        let blob = web_sys::Blob::new_with_u8_array_sequence(&Array::of1(&array)).ok()?;
        let stream = Reflect::get(&blob, &"stream".into())
            .ok()?
            .dyn_into::<Function>()
            .ok()?
            .call0(&blob)
            .ok()?;
        let compressed = Reflect::get(&stream, &"pipeThrough".into())
            .ok()?
            .dyn_into::<Function>()
            .ok()?
            .call1(&stream, &compressor)
            .ok()?;
        let response =
            Reflect::construct(&constructor("Response")?, &Array::of1(&compressed)).ok()?;
        let buffer = Reflect::get(&response, &"arrayBuffer".into())
            .ok()?
            .dyn_into::<Function>()
            .ok()?
            .call0(&response)
            .ok()?
            .dyn_into::<js_sys::Promise>()
            .ok()?;
        let buffer = wasm_bindgen_futures::JsFuture::from(buffer).await.ok()?;
        Some(Uint8Array::new(&buffer).to_vec())
    }

    /// A key that tells one import attempt from another (not a secret).
    pub fn random_key() -> String {
        format!(
            "{:x}{:x}",
            (js_sys::Math::random() * 1e15) as u64,
            js_sys::Date::now() as u64
        )
    }

    /// A full page load, used where the server must see the request (after signing out).
    pub fn load_page(path: &str) {
        if let Some(window) = web_sys::window() {
            let _ = window.location().set_href(path);
        }
    }

    /// Whether someone is in the middle of something a refresh would disturb: an open menu, or
    /// focus in a text field.
    pub fn user_is_busy() -> bool {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return false;
        };
        let menu_open = document
            .query_selector("details[open]")
            .ok()
            .flatten()
            .is_some();
        let typing = document.active_element().is_some_and(|e| {
            matches!(e.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                && e.get_attribute("type").as_deref() != Some("checkbox")
        });
        menu_open || typing
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    pub fn now_ms() -> f64 {
        0.0
    }

    pub fn focus_element(_id: &str) {}

    pub fn measure_since(_name: &str, _start_ms: f64) {}

    pub fn timer_ms() -> f64 {
        0.0
    }

    pub fn focus_if_present(_id: &str) -> bool {
        false
    }

    pub fn scroll_metrics(_id: &str) -> Option<(f64, f64)> {
        None
    }

    pub fn set_scroll_top(_id: &str, _px: f64) {}

    pub fn element_height(_id: &str) -> f64 {
        0.0
    }

    pub fn soon(f: impl FnOnce() + 'static) {
        leptos::prelude::set_timeout(f, std::time::Duration::ZERO);
    }

    pub fn load_page(_path: &str) {}

    pub fn user_is_busy() -> bool {
        false
    }

    pub fn mark_hydrated() {}

    pub fn next_task() -> impl std::future::Future<Output = ()> {
        std::future::ready(())
    }

    pub fn take_large_paste(
        _ev: &leptos::ev::ClipboardEvent,
        _min_len: usize,
    ) -> Option<LargePaste> {
        None
    }

    /// Never made on the server: there is no clipboard there.
    pub struct LargePaste;

    impl LargePaste {
        pub fn units(&self) -> usize {
            0
        }

        pub fn read(&mut self, _out: &mut String, _units: u32) -> bool {
            true
        }
    }

    pub fn download(_file_name: &str, _mime: &str, _text: &str) {}

    pub fn download_bytes(_file_name: &str, _mime: &str, _bytes: &[u8]) {}

    pub fn read_picked_file(
        _ev: &leptos::ev::Event,
        _done: impl FnOnce(String, Result<Vec<u8>, String>) + 'static,
    ) {
    }

    pub fn read_dropped_file(
        _ev: &leptos::ev::DragEvent,
        _done: impl FnOnce(String, Result<Vec<u8>, String>) + 'static,
    ) {
    }

    pub async fn copy_text(_text: &str) -> bool {
        false
    }

    pub fn upload_form(
        _url: &str,
        _parts: Vec<(&str, &str, Vec<u8>)>,
        _progress: impl Fn(f64, f64) + 'static,
        _done: impl FnOnce(u16, String) + 'static,
    ) {
    }

    pub async fn gzip(_bytes: &[u8]) -> Option<Vec<u8>> {
        None
    }

    pub fn random_key() -> String {
        String::new()
    }
}

#[cfg(feature = "hydrate")]
pub use imp::fetch_text;
pub use imp::{
    copy_text, download, download_bytes, element_height, focus_element, focus_if_present, gzip,
    load_page, mark_hydrated, measure_since, next_task, now_ms, random_key, read_dropped_file,
    read_picked_file, scroll_metrics, set_scroll_top, soon, take_large_paste, timer_ms,
    upload_form, user_is_busy, LargePaste,
};
