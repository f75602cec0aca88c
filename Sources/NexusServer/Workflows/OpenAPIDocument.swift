import NexusConfig
import NexusSchema

/// The OpenAPI 3.1 document of the workflows a caller may run: one POST operation per workflow, its request
/// body the input schema, its 200 response the output schema (or any JSON), 400 a problem listing violations.
enum OpenAPIDocument {
    static func make(_ workflows: [Workflow], api: WorkflowAPIConfig, authEnabled: Bool) -> JSONValue {
        var paths: [JSONMember] = []
        let problem: JSONValue = ["$ref": "#/components/schemas/Problem"]
        func problemResponse(_ description: String) -> JSONValue {
            ["description": .string(description), "content": ["application/problem+json": ["schema": problem]]]
        }
        paths.append(JSONMember(key: api.restPath, value: ["get": [
            "operationId": "listWorkflows",
            "summary": "The workflows the caller may run",
            "responses": ["200": ["description": "The workflows", "content": ["application/json": ["schema": ["type": "object"]]]]],
        ]]))
        for w in workflows {
            let c = w.config
            var op = JSONObject([JSONMember(key: "operationId", value: .string("run_" + c.name.map { $0.isLetter || $0.isNumber ? $0 : "_" }.reduce("") { $0 + String($1) })),
                                 JSONMember(key: "summary", value: .string(c.title ?? c.name))])
            if !c.description.isEmpty { op.members.append(JSONMember(key: "description", value: .string(c.description))) }
            op.members.append(JSONMember(key: "requestBody", value: ["required": true, "content": ["application/json": ["schema": c.inputSchema]]]))
            op.members.append(JSONMember(key: "responses", value: [
                "200": ["description": "The result", "content": ["application/json": ["schema": c.outputSchema ?? [:]]]],
                "400": problemResponse("The input is not JSON or does not match the input schema (every violation is listed)"),
                "401": problemResponse("An API key is needed, or the one given is not valid"),
                "403": problemResponse("The key lacks a scope the workflow requires"),
                "429": problemResponse("A rate limit or quota is reached"),
            ]))
            if authEnabled && !c.anonymous {
                op.members.append(JSONMember(key: "security", value: [["apiKey": []], ["bearer": []]]))
            }
            paths.append(JSONMember(key: api.restPath + "/" + c.name, value: ["post": .object(op)]))
        }
        var components = JSONObject([JSONMember(key: "schemas", value: ["Problem": [
            "type": "object",
            "properties": ["type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer"],
                           "detail": ["type": "string"], "violations": ["type": "array", "items": ["type": "object"]]],
        ]])])
        if authEnabled {
            components.members.append(JSONMember(key: "securitySchemes", value: [
                "apiKey": ["type": "apiKey", "in": "header", "name": "X-API-Key"],
                "bearer": ["type": "http", "scheme": "bearer"],
            ]))
        }
        return ["openapi": "3.1.0",
                "info": ["title": "Nexus workflows", "version": .string(NexusVersion.string)],
                "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
                "paths": .object(JSONObject(paths)),
                "components": .object(components)]
    }
}
