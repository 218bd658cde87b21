"""Requests: request types, the request form, attachment storage, the ticket and conversation
services, desk search, spam and blocked senders, and the requester's pages."""
