use crate::api::api_tokens::read_api_reference;
use crate::components::ErrorNotice;
use crate::model::{ApiField, ApiOperation, ApiReference, ApiSchema};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Administration → API tokens → API reference: the OpenAPI document read for people, every
/// operation with its parameters, bodies and answers, then every schema.
#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let reference = Resource::new(|| (), |_| read_api_reference());
    view! {
        <Title text="API reference"/>
        <Suspense fallback=|| view! { <p>"Loading the API reference…"</p> }>
            {move || reference.get().map(|result| match result {
                Ok(reference) => view! { <Reference reference/> }.into_any(),
                Err(error) => view! { <h1>"API reference"</h1><ErrorNotice error/> }.into_any(),
            })}
        </Suspense>
    }
}

/// An id for a schema's heading, so a type names a link to it.
fn schema_anchor(name: &str) -> String {
    format!("schema-{name}")
}

#[component]
fn Reference(reference: ApiReference) -> impl IntoView {
    let schema_names: Vec<String> = reference.schemas.iter().map(|s| s.name.clone()).collect();
    let document = reference.document_path.clone();
    view! {
        <h1>{format!("{} (version {})", reference.title, reference.version)}</h1>
        <p>{reference.description.clone()}</p>
        <p>
            // rel="external": the router would otherwise look for a page at this address.
            "Machine-readable: the OpenAPI 3.1 document at "<a href=document.clone() rel="external"><code>{document.clone()}</code></a>
            ". Make a token on "<A href="/admin/api-tokens">"API tokens"</A>"."
        </p>
        <nav aria-label="Operations">
            <ul class="api-contents">
                {reference.operations.iter().map(|op| view! {
                    <li><a href=format!("#{}", op.id)><code>{format!("{} {}", op.method, op.path)}</code></a>
                        " "{op.summary.clone()}</li>
                }).collect_view()}
            </ul>
        </nav>
        {reference.operations.into_iter().map(|op| {
            let names = schema_names.clone();
            view! { <Operation op names/> }
        }).collect_view()}
        <h2>"Schemas"</h2>
        {reference.schemas.into_iter().map(|schema| {
            let names = schema_names.clone();
            view! { <Schema schema names/> }
        }).collect_view()}
    }
}

/// A type in words, linked to its schema when it names one.
fn type_view(text: String, names: &[String]) -> impl IntoView {
    let base = text.trim_start_matches('[').trim_end_matches(']');
    let base = base.split(" or ").next().unwrap_or(base).to_string();
    if names.contains(&base) {
        view! { <a href=format!("#{}", schema_anchor(&base))><code>{text}</code></a> }.into_any()
    } else {
        view! { <code>{text}</code> }.into_any()
    }
}

#[component]
fn Fields(fields: Vec<ApiField>, names: Vec<String>, caption: String) -> impl IntoView {
    view! {
        <table class="data-table api-fields">
            <caption class="visually-hidden">{caption}</caption>
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"In"</th><th scope="col">"Type"</th>
                <th scope="col">"Required"</th><th scope="col">"Description"</th>
            </tr></thead>
            <tbody>
                {fields.into_iter().map(|field| view! {
                    <tr>
                        <td><code>{field.name}</code></td>
                        <td>{field.place}</td>
                        <td>{type_view(field.type_text, &names)}</td>
                        <td>{if field.required { "yes" } else { "no" }}</td>
                        <td>{field.description}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn Operation(op: ApiOperation, names: Vec<String>) -> impl IntoView {
    let title = format!("{} {}", op.method, op.path);
    let has_parameters = !op.parameters.is_empty();
    let has_bodies = !op.bodies.is_empty();
    let parameters_caption = format!("Parameters of {title}");
    let bodies_caption = format!("Request bodies of {title}");
    let answers_caption = format!("Answers of {title}");
    let (parameters, bodies) = (op.parameters, op.bodies);
    let (names_p, names_b, names_r) = (names.clone(), names.clone(), names);
    view! {
        <section class="api-operation" aria-labelledby=op.id.clone()>
            <h2 id=op.id.clone()><code>{title}</code></h2>
            <p><strong>{op.summary}</strong></p>
            <p>{op.description}</p>
            <Show when=move || has_parameters>
                <h3>"Parameters"</h3>
                <Fields fields=parameters.clone() names=names_p.clone() caption=parameters_caption.clone()/>
            </Show>
            <Show when=move || has_bodies>
                <h3>"Request body"</h3>
                <p>{op.body_description.clone()}</p>
                <Fields fields=bodies.clone() names=names_b.clone() caption=bodies_caption.clone()/>
            </Show>
            <h3>"Answers"</h3>
            <table class="data-table api-fields">
                <caption class="visually-hidden">{answers_caption}</caption>
                <thead><tr><th scope="col">"Status"</th><th scope="col">"Body"</th><th scope="col">"When"</th></tr></thead>
                <tbody>
                    {op.responses.into_iter().map(|response| view! {
                        <tr>
                            <td>{response.status}</td>
                            <td>{type_view(response.type_text, &names_r)}</td>
                            <td>{response.description}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn Schema(schema: ApiSchema, names: Vec<String>) -> impl IntoView {
    let caption = format!("Fields of {}", schema.name);
    let values = schema.values.join(", ");
    let has_values = !schema.values.is_empty();
    let has_fields = !schema.fields.is_empty();
    let fields = schema.fields;
    view! {
        <section class="api-schema">
            <h3 id=schema_anchor(&schema.name)><code>{schema.name.clone()}</code></h3>
            <p>{schema.description}</p>
            <Show when=move || has_values><p>"One of: "<code>{values.clone()}</code></p></Show>
            <Show when=move || has_fields>
                <Fields fields=fields.clone() names=names.clone() caption=caption.clone()/>
            </Show>
        </section>
    }
}
