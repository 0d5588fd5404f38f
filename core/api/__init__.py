"""What every API endpoint shares: orjson rendering (`renderers`), cursor pagination that
refuses bad input with 400 (`pagination`), strict filters (`filters`) and input
(`serializers`), one JSON error shape (`exceptions`), the OpenAPI hook that documents it
(`schema`), and the base of the writable resources (`viewsets`)."""
