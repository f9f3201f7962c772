//! The few browser APIs the components use, each with a server twin of the same signature so
//! components never scatter `cfg` lines. They are only called after mount (in effects and event
//! handlers), never during the first render.

#[cfg(feature = "hydrate")]
mod imp {
    use wasm_bindgen::JsCast;

    pub fn now_ms() -> f64 {
        js_sys::Date::now()
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

    /// A full page load, used where the server must see the request (after signing out).
    pub fn load_page(path: &str) {
        if let Some(window) = web_sys::window() {
            let _ = window.location().set_href(path);
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    pub fn now_ms() -> f64 {
        0.0
    }

    pub fn focus_element(_id: &str) {}

    pub fn load_page(_path: &str) {}

    pub fn mark_hydrated() {}
}

pub use imp::{focus_element, load_page, mark_hydrated, now_ms};
