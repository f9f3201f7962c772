//! The phone rule in a form, as the admin types. The numbering plans' code (the regex engine)
//! is a wasm chunk of its own and their data a JSON file (`rules::PHONE_PLANS_PATH`), both
//! fetched the first time a phone field changes: until they arrive the field says "Checking
//! phone numbers…" and the checks that need no plan (`phone_digits`) already answer; if they
//! cannot be fetched (offline), the field says so and the form still submits — the server
//! checks the number either way.

use crate::rules::{phone_digits, IssueCode, PhoneE164};
use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;
use send_wrapper::SendWrapper;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Verdict {
    /// Nothing to check (empty, or the value the page was given), or the plan said it is valid.
    Valid,
    Invalid(IssueCode),
    /// The plans are being fetched.
    Checking,
    /// The plans could not be fetched: the server will judge the number.
    Unavailable,
}

/// The phone rule's verdict on one field, kept up to date as it changes.
#[derive(Clone, Copy)]
pub struct PhoneCheck {
    verdict: RwSignal<Verdict>,
}

impl PhoneCheck {
    /// Watches `phone`. The value it holds now is taken as checked (it came from the server);
    /// each change is checked, the plans fetched on the first.
    pub fn new(phone: RwSignal<String>) -> PhoneCheck {
        let verdict = RwSignal::new(Verdict::Valid);
        let initial = phone.get_untracked();
        // An effect runs only in the browser, after hydration.
        Effect::new(move |_| {
            let text = phone.get();
            if text == initial {
                verdict.set(Verdict::Valid);
                return;
            }
            match phone_digits(&text) {
                Ok(None) => verdict.set(Verdict::Valid),
                Err(code) => verdict.set(Verdict::Invalid(code)),
                Ok(Some(_)) => {
                    if verdict.get_untracked() != Verdict::Unavailable {
                        verdict.set(Verdict::Checking);
                    }
                    leptos::task::spawn_local(async move {
                        // The plans' data, then their code: either missing means no verdict.
                        let answer = match SendWrapper::new(load_phone_plans()).await {
                            Ok(()) => SendWrapper::new(check_phone(text.clone())).await.ok(),
                            Err(_) => None,
                        };
                        // A later keystroke has its own check.
                        if phone.try_get_untracked().as_ref() != Some(&text) {
                            return;
                        }
                        verdict.set(match answer {
                            Some(Ok(())) => Verdict::Valid,
                            Some(Err(code)) => Verdict::Invalid(code),
                            None => Verdict::Unavailable,
                        });
                    });
                }
            }
        });
        PhoneCheck { verdict }
    }

    /// What the rule says so far, for `validate_user_fields_with_phone` (reactive). While the
    /// plans are fetched, or if they cannot be, the number counts as valid here: the server
    /// has the last word.
    pub fn verdict(&self) -> Result<Option<PhoneE164>, IssueCode> {
        match self.verdict.get() {
            Verdict::Invalid(code) => Err(code),
            _ => Ok(None),
        }
    }

    /// A line under the field while it cannot judge the number yet (reactive).
    pub fn status(&self) -> Option<&'static str> {
        match self.verdict.get() {
            Verdict::Checking => Some("Checking phone numbers…"),
            Verdict::Unavailable => Some(
                "Phone numbers cannot be checked here right now; the number is checked when you save.",
            ),
            _ => None,
        }
    }
}

/// Fetches the numbering plans' data, once: callers while it is on its way share the one
/// request, later calls answer at once, and after a failure the next call tries again. The
/// server has them built in.
pub async fn load_phone_plans() -> Result<(), String> {
    if crate::rules::phone_plans_installed() {
        return Ok(());
    }
    #[cfg(feature = "hydrate")]
    {
        use futures::future::{FutureExt, LocalBoxFuture, Shared};
        type Loading = Shared<LocalBoxFuture<'static, Result<(), String>>>;
        thread_local! {
            static LOADING: std::cell::RefCell<Option<Loading>> = const { std::cell::RefCell::new(None) };
        }
        let loading = LOADING.with(|loading| {
            loading
                .borrow_mut()
                .get_or_insert_with(|| {
                    async {
                        let json =
                            crate::browser::fetch_text(crate::rules::PHONE_PLANS_PATH).await?;
                        SendWrapper::new(install_plans(json))
                            .await
                            .map_err(|_| "the phone rule could not be fetched".to_string())?
                    }
                    .boxed_local()
                    .shared()
                })
                .clone()
        });
        let result = loading.clone().await;
        if result.is_err() {
            // Forget this failed request (not a newer one another caller has started).
            LOADING.with(|stored| {
                let mut stored = stored.borrow_mut();
                if stored.as_ref().is_some_and(|s| s.ptr_eq(&loading)) {
                    stored.take();
                }
            });
        }
        result
    }
    #[cfg(not(feature = "hydrate"))]
    Err("no numbering plans".into())
}

/// Reads the plans' JSON, in the phone rule's chunk (its parser stays out of the main module).
#[cfg(feature = "hydrate")]
#[leptos::wasm_split::wasm_split(phone_rule, wasm_split_path = ::leptos::wasm_split, fallible)]
fn install_plans(json: String) -> Result<Result<(), String>, SplitLoaderError> {
    Ok(crate::rules::install_phone_plans(&json))
}

/// The numbering plans' half of the rule, in its own wasm chunk (`phone_rule`).
#[leptos::wasm_split::wasm_split(phone_rule, wasm_split_path = ::leptos::wasm_split, fallible)]
fn check_phone(text: String) -> Result<Result<(), IssueCode>, SplitLoaderError> {
    Ok(PhoneE164::parse_optional(&text).map(|_| ()))
}
