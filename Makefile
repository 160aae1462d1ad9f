# Shortcuts for the scripts the README names; the scripts work without make.
.PHONY: deps demo test build format

deps:
	bash scripts/install-deps.sh

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Debug
	cmake --build build -j$$(nproc)

format:
	find src tools tests bench -name '*.[ch]pp' | xargs clang-format -i
