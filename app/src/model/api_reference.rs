//! The REST API's reference as the in-app page shows it: read on the server from the OpenAPI
//! document (`server::rest::openapi::reference`), so the page and the document say the same.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiReference {
    pub title: String,
    pub version: String,
    pub description: String,
    /// Where the document itself is served.
    pub document_path: String,
    pub operations: Vec<ApiOperation>,
    pub schemas: Vec<ApiSchema>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiOperation {
    pub method: String,
    pub path: String,
    pub id: String,
    pub summary: String,
    pub description: String,
    pub parameters: Vec<ApiField>,
    pub body_description: String,
    /// One per content type: `name` is the content type.
    pub bodies: Vec<ApiField>,
    pub responses: Vec<ApiResponse>,
}

/// A parameter (`place`: path, query or header), a body, or a schema's property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiField {
    pub name: String,
    pub place: String,
    pub type_text: String,
    pub required: bool,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiResponse {
    pub status: String,
    pub description: String,
    pub type_text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiSchema {
    pub name: String,
    pub description: String,
    /// An enumeration's values.
    pub values: Vec<String>,
    pub fields: Vec<ApiField>,
}
